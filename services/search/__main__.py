"""``python -m services.search rebuild``: rebuild the node's search index from what the
services hold in MongoDB (with the node's environment, its services running).

The index is emptied and every service that holds indexed things — identity (people),
communities, the outbox (this node's posts), the inbox (received posts) — queues the index
events of all of them (fedkit/contracts/search.py, ``REPLAY``); the running indexer applies
them in order behind the emptying, as it applies every change. ``--wait`` waits until it
has. Changes made meanwhile are queued as usual.
"""

from __future__ import annotations

import argparse
import sys
import time

import redis

from fedkit.contracts import search
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.search import indexer


def rebuild(config: Config, *, wait: float = 0.0) -> dict[str, int]:
    client = redis.Redis.from_url(config.redis_url)
    if not search.offer(client, config, [search.reset()]):
        raise RuntimeError("the node's Redis did not take the index stream's reset")
    transport = InternalClient(config)
    counts = {service: search.replay(transport, service) for service in search.REPLAYING}
    deadline = time.monotonic() + wait
    while wait and indexer.backlog(client, config) and time.monotonic() < deadline:
        time.sleep(0.5)  # an operator's command polling the indexer's progress, not a test
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.search")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("rebuild", help="rebuild the search index from MongoDB")
    command.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the indexer")
    args = parser.parse_args(argv)
    config = Config.from_env()
    counts = rebuild(config, wait=args.wait)
    print(" ".join(f"{service}={count}" for service, count in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
