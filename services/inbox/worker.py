"""The inbox worker process: applies stored activities by their handlers.

Run as ``python -m services.inbox.worker``; SIGTERM stops it after the current tasks.
"""

from __future__ import annotations

from fedkit.config import Config
from fedkit.internal import InternalClient
from fedkit.queue import enqueue, register, worker_main
from services.inbox.acceptance import QUEUE
from services.inbox.models import INBOUND
from services.inbox.processing import process_inbound


def build(config: Config, broker):
    """Register the inbox task on a broker; returns the sweep function (tests call both)."""
    internal = InternalClient(config)

    def process_task(activity_id: str) -> None:
        process_inbound(activity_id, config, internal)

    register(broker, QUEUE, {"process_inbound": process_task}, max_retries=0)

    def sweep() -> None:
        INBOUND.sweep(lambda activity_id: enqueue(broker, QUEUE, "process_inbound", activity_id),
                      config.lease_seconds)

    return sweep


def main() -> None:
    worker_main("inbox-worker", QUEUE, build, threads=4, sweep_interval=1.0)


if __name__ == "__main__":
    main()
