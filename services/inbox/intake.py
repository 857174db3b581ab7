"""The intake stream: what the inbox has answered 202 to, on its way to the database.

A verified delivery is appended to a Redis stream (``XADD``, one round trip) and
answered 202; the inbox worker reads the stream as a consumer group, stores each
activity in ``inbound_activities`` (deduplicated by id, as before) in batches, queues it
for its handler, and only then acknowledges and deletes the stream entry. This takes
the database write — a journaled insert per delivery — off the request path, which is
what limited how many deliveries a node could accept.

Nothing accepted is lost:
- Redis writes its append-only file before it answers, so a Redis killed after the
  ``XADD`` still has the entry when it starts again (production: Redis with AOF on, as
  the README says; a Redis without persistence would lose the stream on a restart).
- A worker killed between reading and acknowledging leaves the entries pending in the
  group; any worker claims them again after ``lease_seconds`` (``XAUTOCLAIM``), and
  storing twice is harmless (the id is the key).
- When Redis does not answer the ``XADD``, the delivery is stored in the database at
  once, as before the stream existed (``accept_activity``).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time

import redis

from fedkit.runtime.config import Config

log = logging.getLogger(__name__)

GROUP = "inbox-workers"
BATCH = 200


def stream_name(config: Config) -> str:
    return f"archipel-{config.queue_prefix}:inbox-intake"


def offer(client: redis.Redis, config: Config, raw: dict | bytes, signer: str, also_to: list[str]) -> bool:
    """Append a verified delivery to the stream; False when Redis cannot take it. ``raw``
    is the activity, or the JSON body it was parsed from (kept as received: no second
    serialisation on the request path; the worker parses it to the same document)."""
    try:
        client.xadd(stream_name(config), {"raw": raw if isinstance(raw, bytes) else json.dumps(raw), "signer": signer,
                                          "also_to": json.dumps(also_to)})
        return True
    except redis.RedisError as exc:
        log.warning("intake stream unavailable (%s): storing the delivery directly", type(exc).__name__)
        return False


def _ensure_group(client: redis.Redis, stream: str) -> None:
    try:
        client.xgroup_create(stream, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _entries(fields_by_id) -> list[tuple[str, dict, str, list[str]]]:
    """(entry id, raw, signer, also_to) of stream entries; an unreadable one is dropped
    with a log line (it was checked before it was written: this is not expected)."""
    out = []
    for entry_id, fields in fields_by_id:
        try:
            out.append((entry_id, json.loads(fields[b"raw"]), fields[b"signer"].decode(),
                        json.loads(fields.get(b"also_to", b"[]"))))
        except (KeyError, ValueError, UnicodeDecodeError):
            log.error("unreadable intake entry %s dropped", entry_id)
            out.append((entry_id, None, "", []))
    return out


def drain_once(client: redis.Redis, config: Config, store, *, consumer: str, block_ms: int = 1000,
               reclaim_idle_ms: int | None = None) -> int:
    """Read one batch (entries left pending by a dead consumer first, then new ones),
    ``store([(raw, signer, also_to), …])`` them, then acknowledge them. Returns how many."""
    stream = stream_name(config)
    _ensure_group(client, stream)
    batch = []
    if reclaim_idle_ms is not None:
        _next, claimed, *_ = client.xautoclaim(stream, GROUP, consumer, min_idle_time=reclaim_idle_ms,
                                               start_id="0-0", count=BATCH)
        batch = [(entry_id, fields) for entry_id, fields in claimed if fields]
    if not batch:
        read = client.xreadgroup(GROUP, consumer, {stream: ">"}, count=BATCH, block=block_ms)
        batch = read[0][1] if read else []
    if not batch:
        return 0
    entries = _entries(batch)
    # Raises when the database is away: the entries stay pending and are claimed again.
    store([(raw, signer, also_to) for _, raw, signer, also_to in entries if raw is not None])
    done = [entry_id for entry_id, *_ in entries]
    pipe = client.pipeline()
    pipe.xack(stream, GROUP, *done)
    pipe.xdel(stream, *done)
    pipe.execute()
    return len(done)


def backlog(client: redis.Redis, config: Config) -> int:
    """Entries not yet stored (read or not): what the stream still holds."""
    return client.xlen(stream_name(config))


def start_consumer(client: redis.Redis, config: Config, store, stop: threading.Event | None = None) -> threading.Thread:
    """The worker's intake thread: drains the stream until ``stop`` is set."""
    consumer = f"{socket.gethostname()}-{os.getpid()}"
    reclaim_ms = int(config.lease_seconds * 1000)
    stop = stop or threading.Event()

    def run() -> None:
        reclaim_due = 0.0
        while not stop.is_set():
            try:
                now = time.monotonic()
                reclaim = reclaim_ms if now >= reclaim_due else None
                if reclaim is not None:
                    reclaim_due = now + config.lease_seconds / 3
                drain_once(client, config, store, consumer=consumer, reclaim_idle_ms=reclaim)
            except Exception as exc:  # Redis or the database away: try again shortly
                log.warning("intake: %s; retrying", type(exc).__name__)
                stop.wait(1.0)

    thread = threading.Thread(target=run, name="inbox-intake", daemon=True)
    thread.start()
    return thread
