"""The inbox worker process: stores what the intake stream holds (intake.py) and
applies stored activities by their handlers.

Run as ``python -m services.inbox.worker``; SIGTERM stops it after the current tasks.
"""

from __future__ import annotations

from fedkit.runtime import leases
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.queue import enqueue, register, watch_queues, worker_main
from services.inbox import intake, poll_endings
from services.inbox.models import INBOUND
from services.inbox.processing import process_inbound
from services.inbox.storing import QUEUE, accept_batch


def build(config: Config, broker):
    """Register the inbox task on a broker and start draining the intake stream; returns
    the sweep function."""
    internal = InternalClient(config)

    def process_task(activity_id: str) -> None:
        process_inbound(activity_id, config, internal)

    register(broker, QUEUE, {"process_inbound": process_task}, max_retries=0)

    intake.start_consumer(broker.client, config, lambda deliveries: accept_batch(deliveries, broker))
    watch_queues(broker, QUEUE, stream=intake.stream_name(config))  # /metrics: what waits

    def sweep() -> None:
        INBOUND.sweep(lambda activity_id: enqueue(broker, QUEUE, "process_inbound", activity_id),
                      config.lease_seconds)
        poll_endings.tell_ended(config.base_url)

    return sweep


def run_single_cycle(config: Config, internal: InternalClient) -> int:
    """Apply, in this process, every stored activity that is queued or due, as the worker's
    queue and sweep would, then tells of the polls that ended (tests drive the inbox with it);
    returns how many activities were applied and polls told."""
    applied = leases.run_single_cycle((INBOUND, lambda activity_id: process_inbound(activity_id, config, internal)))
    return applied + poll_endings.tell_ended(config.base_url)


def main() -> None:
    worker_main("inbox-worker", QUEUE, build, threads=4, sweep_interval=1.0)


if __name__ == "__main__":
    main()
