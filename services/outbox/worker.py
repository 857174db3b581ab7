"""The delivery worker process: fans out published activities and delivers them.

Run as ``python -m services.outbox.worker``; SIGTERM stops it after current tasks.
Its sweeper re-enqueues due deliveries and unfinished fan-outs, so nothing pending
is lost when Redis or the worker restarts.
"""

from __future__ import annotations

import os

from fedkit.runtime import leases
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.queue import enqueue, register, worker_main
from services.outbox.delivery import DELIVERY, deliver
from services.outbox.fanout import FANOUT, QUEUE, fanout


def build(config: Config, broker):
    internal = InternalClient(config)

    def fanout_task(activity_id: str) -> None:
        fanout(activity_id, config, internal, broker)

    def deliver_task(delivery_id: str) -> None:
        deliver(delivery_id, config)

    register(broker, QUEUE, {"fanout": fanout_task, "deliver": deliver_task}, max_retries=0)

    def sweep() -> None:
        FANOUT.sweep(lambda activity_id: enqueue(broker, QUEUE, "fanout", activity_id), config.lease_seconds)
        DELIVERY.sweep(lambda delivery_id: enqueue(broker, QUEUE, "deliver", delivery_id), config.lease_seconds,
                       limit=500)

    return sweep


def run_single_cycle(config: Config, internal: InternalClient, broker) -> int:
    """Fan out, then deliver, in this process, what is queued or due, as the worker's queue
    and sweep would (tests drive the outbox with it; ``broker`` only receives the nudges
    of the deliveries a fan-out creates, made here in the same cycle). Returns how many
    delivery attempts it made."""
    leases.run_single_cycle((FANOUT, lambda activity_id: fanout(activity_id, config, internal, broker)))
    return leases.run_single_cycle((DELIVERY, lambda delivery_id: deliver(delivery_id, config)))


def main() -> None:
    worker_main("delivery-worker", QUEUE, build, threads=int(os.environ.get("ARCHIPEL_DELIVERY_THREADS", "8")),
                sweep_interval=1.0)


if __name__ == "__main__":
    main()
