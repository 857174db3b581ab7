"""The inbox worker process: applies stored activities by their handlers.

Run as ``python -m services.inbox.worker``; SIGTERM stops it after the current tasks.
"""

from __future__ import annotations

from fedkit.config import Config
from fedkit.db import connect_db
from fedkit.internal import InternalClient
from fedkit.logs import setup_logging
from fedkit.queue import enqueue, make_broker, register, run_worker
from services.inbox.acceptance import QUEUE
from services.inbox.processing import due_for_retry, process_inbound


def build(config: Config, broker):
    """Register the inbox task on a broker; returns the sweep function (tests call both)."""
    internal = InternalClient(config)

    def process_task(activity_id: str) -> None:
        process_inbound(activity_id, config, internal)

    register(broker, QUEUE, {"process_inbound": process_task}, max_retries=0)

    def sweep() -> None:
        for activity_id in due_for_retry():
            enqueue(broker, QUEUE, "process_inbound", activity_id)

    return sweep


def main() -> None:
    config = Config.from_env()
    setup_logging("inbox-worker", config)
    connect_db(config)
    broker = make_broker(config)
    sweep = build(config, broker)
    run_worker(broker, QUEUE, threads=4, sweep=sweep, sweep_interval=5.0)


if __name__ == "__main__":
    main()
