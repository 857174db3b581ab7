"""The node's task queue: dramatiq over Redis.

Services enqueue by actor *name* (``enqueue(broker, "process_inbound", id)``), so a
web service never imports worker code; each service's worker module registers the
functions that carry those names. MongoDB holds the state of every task (an inbound
activity, a delivery); a queue message is only a nudge, and each worker's sweeper
re-enqueues whatever is due, so a lost message or a stopped Redis loses nothing.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from fedkit.runtime import health, leases, metrics
from fedkit.runtime.config import Config

log = logging.getLogger(__name__)


def make_broker(config: Config) -> dramatiq.Broker:
    return RedisBroker(url=config.redis_url, namespace=f"archipel-{config.queue_prefix}")


def enqueue(broker: dramatiq.Broker, queue_name: str, actor_name: str, *args, delay_ms: int | None = None) -> bool:
    """Best effort: returns False (and logs) when the queue is unreachable; the sweeper catches up."""
    message = dramatiq.Message(queue_name=queue_name, actor_name=actor_name, args=args, kwargs={}, options={})
    try:
        broker.enqueue(message, delay=delay_ms)
        return True
    except Exception as exc:  # redis down: the stored state is the source of truth
        log.warning("queue unavailable, %s(%s) left to the sweeper: %s", actor_name, args, type(exc).__name__)
        return False


def watch_queues(broker: dramatiq.Broker, queues: str | set[str], stream: str = "") -> None:
    """Report these queues' depth (and an intake stream's length) at each scrape."""
    metrics.watch_queues(lambda: broker.client, broker.namespace, {queues} if isinstance(queues, str) else queues,
                         stream)


def register(broker: dramatiq.Broker, queue_name: str, functions: dict[str, Callable], **options) -> None:
    for name, fn in functions.items():
        dramatiq.actor(fn, actor_name=name, queue_name=queue_name, broker=broker, **options)


def worker_main(process: str, queues: str | set[str], build: Callable, *, threads: int,
                sweep_interval: float) -> None:
    """Entry point of a worker process: config from the environment, logging, database,
    broker, then ``build(config, broker)`` registers the tasks and returns the sweep."""
    from fedkit.rules.federation_policy import check_policy_file
    from fedkit.runtime.config import Config as _Config
    from fedkit.runtime.db import connect_db
    from fedkit.runtime.logs import setup_logging

    config = _Config.from_env()
    setup_logging(process, config)
    connect_db(config)
    check_policy_file(config)
    broker = make_broker(config)
    watch_queues(broker, queues)
    if config.metrics_port:
        # A worker cannot work without Redis (its queue): Redis is required here.
        # Loopback in dev mode (the demo), every interface in a pod.
        health.serve(config, health.Readiness(*health.standard_checks(config, needs_redis=True)),
                     host="127.0.0.1" if config.dev_mode else "0.0.0.0")
    run_worker(broker, queues, threads=threads, sweep=build(config, broker), sweep_interval=sweep_interval,
               lease_seconds=config.lease_seconds)


def run_worker(broker: dramatiq.Broker, queues: str | set[str], *, threads: int,
               sweep: Callable[[], None] | None = None, sweep_interval: float = 2.0,
               lease_seconds: float = leases.DEFAULT_LEASE_SECONDS) -> None:
    """Run a dramatiq worker for a queue (or several: the compact layout's one worker) in
    this process until SIGTERM/SIGINT, renewing the leases of what it works on
    (fedkit/runtime/leases.py)."""
    queues = {queues} if isinstance(queues, str) else set(queues)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    leases.start_heartbeat(lease_seconds, stop)
    worker = dramatiq.Worker(broker, queues=queues, worker_threads=threads, worker_timeout=200)
    worker.start()
    log.info("worker for queues %s started with %d threads", ", ".join(sorted(queues)), threads)
    try:
        while not stop.is_set():
            if sweep is not None:
                try:
                    sweep()
                except Exception:
                    log.exception("sweep failed")
            stop.wait(sweep_interval)
    finally:
        worker.stop(timeout=5000)
        broker.close()
