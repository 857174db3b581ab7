"""The indexer: the one writer of the node's index, fed by the index stream.

Services append index events to a Redis stream (``fedkit/contracts/search.py``: ``offer``);
the indexer reads it as a consumer group, applies a batch to the index, commits, and only
then acknowledges and deletes the entries — as the inbox's intake stream, with the same
reader (fedkit/runtime/stream_consumer.py). So nothing is lost:
- a killed indexer leaves its batch pending; the next one claims it after a lease
  (``XAUTOCLAIM``) and applies it again: applying an event twice is harmless (a thing is
  deleted by its id, then added as the event says);
- Redis keeps the stream in its append-only file;
- the index itself is rebuilt from what the services hold in MongoDB
  (``python -m services.search rebuild``).
Events are applied in stream order, so an edit or a deletion follows the post it changes.
"""

from __future__ import annotations

import json
import logging
import threading

import redis
import tantivy

from fedkit.contracts import search as contract
from fedkit.runtime import stream_consumer
from fedkit.runtime.config import Config
from services.search.engine import LANGUAGES, open_index

log = logging.getLogger(__name__)

GROUP = "search-indexer"
BATCH = 500
WRITER_HEAP = 50_000_000


def document(event: dict) -> tantivy.Document:
    """The tantivy document of an upsert event."""
    doc = tantivy.Document()
    doc.add_text("id", event["id"])
    doc.add_text("kind", event["kind"])
    for field in ("author", "handle"):
        if event.get(field):
            doc.add_text(field, event[field])
    for field in ("audience", "tags"):
        for value in event.get(field) or []:
            doc.add_text(field, str(value))
    text = str(event.get("text") or "")
    if event.get("handle"):
        text = f"{event['handle']} {text}"
    doc.add_text("text", text)
    languages = [code for code in event.get("languages") or [] if code in LANGUAGES] or list(LANGUAGES)
    for code in languages:
        doc.add_text(f"stem_{code}", text)
    doc.add_integer("published", int(event.get("published") or 0))
    return doc


class Indexer:
    """Applies index events to the index in ``config.search_root`` with one writer."""

    def __init__(self, config: Config):
        self.config = config
        self.index = open_index(config.search_root)
        self.writer = self.index.writer(heap_size=WRITER_HEAP, num_threads=1)

    def apply(self, events: list[dict]) -> None:
        for event in events:
            if event.get("op") == contract.RESET:
                self.writer.delete_all_documents()
                continue
            if not event.get("id"):
                continue
            self.writer.delete_documents_by_term("id", event["id"])
            if event.get("op") == contract.UPSERT and event.get("kind") in contract.KINDS:
                self.writer.add_document(document(event))
        self.writer.commit()

    def close(self) -> None:
        self.writer.wait_merging_threads()


_shared: dict[str, Indexer] = {}


def shared(config: Config) -> Indexer:
    """This process's one indexer of ``config``'s index (tests and the benchmark drive it)."""
    if config.search_root not in _shared:
        _shared[config.search_root] = Indexer(config)
    return _shared[config.search_root]


def _events(batch) -> list[dict]:
    found = []
    for entry_id, fields in batch:
        try:
            found.append(json.loads(fields[b"event"]))
        except (KeyError, ValueError, UnicodeDecodeError):
            log.error("unreadable index event %s dropped", entry_id)
    return found


def drain_once(client: redis.Redis, indexer: Indexer, *, consumer: str, block_ms: int | None = 1000,
               reclaim_idle_ms: int | None = None) -> int:
    """Apply one batch (what a dead indexer left pending first, then new events), commit,
    acknowledge. Returns how many events."""
    return stream_consumer.drain_once(client, contract.stream_name(indexer.config), GROUP,
                                      lambda batch: indexer.apply(_events(batch)), consumer=consumer, count=BATCH,
                                      block_ms=block_ms, reclaim_idle_ms=reclaim_idle_ms)


def drain(client: redis.Redis, indexer: Indexer) -> int:
    """Apply everything the stream holds now (tests, the benchmark)."""
    total = 0
    while count := drain_once(client, indexer, consumer="drain", block_ms=None, reclaim_idle_ms=0):
        total += count
    return total


def backlog(client: redis.Redis, config: Config) -> int:
    return client.xlen(contract.stream_name(config))


def run(config: Config, stop: threading.Event) -> None:
    """The indexer's loop until ``stop``: one batch at a time, what a dead indexer held
    claimed again after a lease."""
    client = redis.Redis.from_url(config.redis_url)
    indexer = Indexer(config)
    consumer = stream_consumer.consumer_name()
    log.info("search indexer started on %s", config.search_root)
    try:
        stream_consumer.consume(
            lambda reclaim_idle_ms: drain_once(client, indexer, consumer=consumer, reclaim_idle_ms=reclaim_idle_ms),
            stop, lease_seconds=config.lease_seconds, label="search indexer")
    finally:
        indexer.close()
