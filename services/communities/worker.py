"""The communities worker: periodic checks (dormancy, partner expiry) and the dynamic
communities' reconciliation with the directory (reconcile.py).

Run as ``python -m services.communities.worker``; SIGTERM stops it.
"""

from __future__ import annotations

import time

from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.queue import worker_main
from services.communities.dormancy import flag_dormant
from services.communities.partners import expire_partners
from services.communities.reconcile import reconcile_all

QUEUE = "communities"


def build(config: Config, broker):
    internal = InternalClient(config)
    last_run, last_reconciled = [0.0], [0.0]

    def sweep() -> None:
        if time.monotonic() - last_run[0] >= config.dormancy_check_interval:
            last_run[0] = time.monotonic()
            run_single_cycle(config, internal)
        if time.monotonic() - last_reconciled[0] >= config.dynamic_community_interval:
            last_reconciled[0] = time.monotonic()
            reconcile_all(config, internal)

    return sweep


def run_single_cycle(config: Config, internal: InternalClient) -> tuple[list[str], tuple[int, int]]:
    """One round of the periodic checks, now, in this process (tests drive the worker with
    it): (communities flagged dormant, (partner expiry notices sent, memberships ended))."""
    return flag_dormant(config, internal), expire_partners(config, internal)


def main() -> None:
    worker_main("communities-worker", QUEUE, build, threads=1, sweep_interval=1.0)


if __name__ == "__main__":
    main()
