"""A Redis stream read at least once by a consumer group: the inbox's intake stream
(services/inbox/intake.py) and the search index stream (services/search/indexer.py).

One batch at a time: entries a dead consumer left pending are claimed first once they
are older than a lease (``XAUTOCLAIM``), else new ones are read (``XREADGROUP``); the
caller's ``handle`` applies the batch, and only then are the entries acknowledged and
deleted (so the stream's length is what still waits). A ``handle`` that raises leaves
the batch pending, to be claimed again: what it does must be harmless to repeat.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)

Entries = list[tuple[bytes, dict]]  # (entry id, fields) as redis-py reads them


def consumer_name() -> str:
    """This process's name in a consumer group."""
    return f"{socket.gethostname()}-{os.getpid()}"


def ensure_group(client: redis.Redis, stream: str, group: str) -> None:
    """Create the group (and the stream) if they are not there yet."""
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def drain_once(client: redis.Redis, stream: str, group: str, handle: Callable[[Entries], None], *, consumer: str,
               count: int, block_ms: int | None = 1000, reclaim_idle_ms: int | None = None) -> int:
    """Handle one batch of up to ``count`` entries (with ``reclaim_idle_ms``, those pending
    that long first), then acknowledge and delete them. Returns how many; ``block_ms``
    None: do not wait for new entries."""
    ensure_group(client, stream, group)
    batch: Entries = []
    if reclaim_idle_ms is not None:
        _next, claimed, *_ = client.xautoclaim(stream, group, consumer, min_idle_time=reclaim_idle_ms,
                                               start_id="0-0", count=count)
        batch = [(entry_id, fields) for entry_id, fields in claimed if fields]
    if not batch:
        read = client.xreadgroup(group, consumer, {stream: ">"}, count=count, block=block_ms)
        batch = read[0][1] if read else []
    if not batch:
        return 0
    handle(batch)  # raises: the batch stays pending and is claimed again
    done = [entry_id for entry_id, _ in batch]
    pipe = client.pipeline()
    pipe.xack(stream, group, *done)
    pipe.xdel(stream, *done)
    pipe.execute()
    return len(done)


def consume(drain: Callable[[int | None], int], stop: threading.Event, *, lease_seconds: float, label: str) -> None:
    """Call ``drain(reclaim_idle_ms)`` until ``stop``: it claims what a dead consumer held
    (idle a lease) at most every third of a lease, otherwise only reads new entries. An
    error (Redis or the store away) is logged and tried again a second later."""
    reclaim_ms = int(lease_seconds * 1000)
    reclaim_due = 0.0
    while not stop.is_set():
        try:
            now = time.monotonic()
            reclaim = reclaim_ms if now >= reclaim_due else None
            if reclaim is not None:
                reclaim_due = now + lease_seconds / 3
            drain(reclaim)
        except Exception as exc:  # Redis or the store away: try again shortly
            log.warning("%s: %s; retrying", label, type(exc).__name__)
            stop.wait(1.0)
