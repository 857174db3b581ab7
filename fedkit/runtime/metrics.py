"""Prometheus metrics of one process (prometheus-client): what every process counts, the
figures sampled at scrape time, and the scrape itself.

Counted as they happen (``instrument`` for a Flask app; the gateway counts signature
failures):

* ``archipel_http_requests_total{service, method, route, status}`` and
  ``archipel_http_request_duration_seconds{service, method, route}``: ``route`` is the
  Flask rule (``/users/<name>/inbox``), never the raw path, so the label set stays bounded;
* ``archipel_signature_verify_failures_total{reason}``: the inbound signature checks that
  failed, by the error code the gateway answers (``digest_mismatch``, ``key_unknown``…);
* ``archipel_task_transitions_total{machine, state}``: documents of the lease engine's
  machines moved into a state (``delivery``: delivered, failed, retrying…), counted by the
  process that moved them (``fedkit/runtime/leases.py``).

Sampled when scraped (``watch_machines``, ``watch_queues``; each is asked of the database
or Redis by the process that owns it):

* ``archipel_tasks{machine, state}``: documents of the lease engine's machines waiting in
  a pending state (``delivery``: queued, retrying). Only pending ones: the final states grow
  without end (deliveries are kept), and counting them at each scrape would cost a scan of
  their index (4.5 s for 50,000 deliveries on the embedded database); their transitions
  counter gives their rate;
* ``archipel_queue_messages{queue, kind}``: dramatiq messages waiting in Redis
  (ready, delayed, dead) and entries of the inbox's intake stream.

gunicorn runs several worker processes per service; their counters are added up with
prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set and cleaned by
``deploy/gunicorn_conf.py`` before any worker starts). Any other process (a worker, the
streaming server, the tests) keeps its figures in memory.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

from flask import Flask, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # the route of a request no rule matched (404)

HTTP_REQUESTS = Counter("archipel_http_requests", "HTTP requests answered, by route template and status",
                        ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram("archipel_http_request_duration_seconds", "Time to answer an HTTP request",
                         ["service", "method", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
SIGNATURE_FAILURES = Counter("archipel_signature_verify_failures",
                             "Inbound HTTP signatures refused, by reason", ["reason"])
TASK_TRANSITIONS = Counter("archipel_task_transitions", "Lease engine documents moved into a state",
                           ["machine", "state"])

_STARTED = "archipel.metrics.started"  # the request's start time, in the WSGI environ


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


# -- requests -----------------------------------------------------------------------------------
def instrument(app: Flask, service: str) -> None:
    """Count every request ``app`` answers and time it. A view may name its route itself
    (``g.metrics_route``: the gateway's proxy names the service it forwards to)."""

    @app.before_request
    def _start():
        request.environ[_STARTED] = time.perf_counter()

    @app.after_request
    def _count(response):
        started = request.environ.get(_STARTED)
        method = request.method if request.method in METHODS else "other"
        route = g.get("metrics_route") or (request.url_rule.rule if request.url_rule is not None else UNMATCHED)
        HTTP_REQUESTS.labels(service, method, route, str(response.status_code)).inc()
        if started is not None:
            HTTP_LATENCY.labels(service, method, route).observe(time.perf_counter() - started)
        return response


# -- figures sampled at scrape time -------------------------------------------------------------
_machines: dict[str, object] = {}  # name -> fedkit.runtime.leases.Machine
_queues: dict[str, tuple[Callable[[], object], tuple[str, ...], str]] = {}  # namespace -> (redis, queues, stream)
_lock = threading.Lock()


def watch_machines(*machines) -> None:
    """Report these lease machines' documents by state (their state field must lead an index)."""
    with _lock:
        for machine in machines:
            _machines[machine.name] = machine


def watch_queues(client: Callable[[], object], namespace: str, queues: Iterable[str], stream: str = "") -> None:
    """Report the depth of these dramatiq queues (and of an intake stream) in ``client()``'s Redis."""
    with _lock:
        known = _queues.get(namespace)
        names = tuple(sorted({*queues, *(known[1] if known else ())}))
        _queues[namespace] = (client, names, stream or (known[2] if known else ""))


def forget_watched() -> None:
    """Tests: start again with nothing watched."""
    with _lock:
        _machines.clear()
        _queues.clear()


class TaskStates:
    """``archipel_tasks{machine, state}``: one indexed count per pending state."""

    def collect(self):
        family = GaugeMetricFamily("archipel_tasks", "Documents of the lease engine's machines in a pending state",
                                   labels=["machine", "state"])
        with _lock:
            machines = list(_machines.values())
        for machine in machines:
            collection = machine._collection()
            for state in machine.pending:
                try:
                    count = collection.count_documents({machine._db(machine.state_field): state})
                except Exception as exc:  # the database down: the scrape still answers
                    log.warning("cannot count %s documents: %s", machine.name, type(exc).__name__)
                    return
                family.add_metric([machine.name, state], count)
        yield family


class QueueDepths:
    """``archipel_queue_messages{queue, kind}``: the keys dramatiq's Redis broker keeps per
    queue (``<namespace>:<queue>`` ready, ``.DQ`` delayed, ``.XQ`` dead letters)."""

    def collect(self):
        family = GaugeMetricFamily("archipel_queue_messages", "Messages waiting in the task queues",
                                   labels=["queue", "kind"])
        with _lock:
            watched = list(_queues.items())
        for namespace, (client, queues, stream) in watched:
            try:
                redis = client()
                pipe = redis.pipeline(transaction=False)
                for queue in queues:
                    pipe.llen(f"{namespace}:{queue}")
                    pipe.llen(f"{namespace}:{queue}.DQ")
                    pipe.zcard(f"{namespace}:{queue}.XQ")
                if stream:
                    pipe.xlen(stream)
                counts = pipe.execute()
            except Exception as exc:  # Redis down: the scrape still answers
                log.warning("cannot read the queues' depth: %s", type(exc).__name__)
                continue
            for i, queue in enumerate(queues):
                for kind, count in zip(("ready", "delayed", "dead"), counts[3 * i:3 * i + 3], strict=True):
                    family.add_metric([queue, kind], count)
            if stream:
                family.add_metric(["intake", "stream"], counts[-1])
        yield family


_SAMPLED = (TaskStates(), QueueDepths())


# -- the scrape ---------------------------------------------------------------------------------
class _Scrape:
    """What one scrape reports: the counters (every gunicorn worker's, added up, in
    multiprocess mode) and the figures sampled now."""

    def __init__(self, counted):
        self.counted = counted

    def collect(self):
        yield from self.counted.collect()
        for collector in _SAMPLED:
            yield from collector.collect()


def exposition() -> bytes:
    """The text exposition format (version 0.0.4) of this process's metrics."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        counted = CollectorRegistry()
        mp.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    return generate_latest(_Scrape(counted))
