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
The stream is read as the search index stream is (fedkit/runtime/stream_consumer.py).
"""

from __future__ import annotations

import json
import logging
import threading

import redis

from fedkit.runtime import stream_consumer
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
    def handle(batch) -> None:
        # Raises when the database is away: the entries stay pending and are claimed again.
        store([(raw, signer, also_to) for _, raw, signer, also_to in _entries(batch) if raw is not None])

    return stream_consumer.drain_once(client, stream_name(config), GROUP, handle, consumer=consumer, count=BATCH,
                                      block_ms=block_ms, reclaim_idle_ms=reclaim_idle_ms)


def backlog(client: redis.Redis, config: Config) -> int:
    """Entries not yet stored (read or not): what the stream still holds."""
    return client.xlen(stream_name(config))


def start_consumer(client: redis.Redis, config: Config, store, stop: threading.Event | None = None) -> threading.Thread:
    """The worker's intake thread: drains the stream until ``stop`` is set."""
    consumer, stop = stream_consumer.consumer_name(), stop or threading.Event()

    def drain(reclaim_idle_ms: int | None) -> int:
        return drain_once(client, config, store, consumer=consumer, reclaim_idle_ms=reclaim_idle_ms)

    thread = threading.Thread(target=stream_consumer.consume, args=(drain, stop),
                              kwargs={"lease_seconds": config.lease_seconds, "label": "intake"},
                              name="inbox-intake", daemon=True)
    thread.start()
    return thread
