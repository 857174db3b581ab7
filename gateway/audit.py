"""The audit trail: one record per request that reaches the node (gateway-owned
collection ``audit``): when, who (local user or remote signer), from which address
and application, what, and the outcome. Kept ``ARCHIPEL_AUDIT_RETENTION_DAYS`` (TTL index).
Never records bodies, tokens or signatures.

Records are written in batches, off the request path: a request appends its record to
this process's buffer and a background thread inserts the buffer every
``FLUSH_SECONDS`` (or sooner when it fills), one ``insert_many`` instead of a database
round trip per request — on the inbox path that write was a third of the work. The price:
a gateway killed with SIGKILL loses the records of its last fraction of a second (a
normal stop flushes them); the activities themselves are never in this buffer.
"""

from __future__ import annotations

import atexit
import logging
import threading

import mongoengine as me
from pymongo.errors import BulkWriteError

from fedkit.runtime import clock
from fedkit.runtime.db import Document, ensure_ttl

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.25
FLUSH_AT = 500  # records: flush at once past this many
MAX_BUFFERED = 50_000  # the database is down: keep this many, then drop the oldest (and say so)


class AuditRecord(Document):
    meta = {"collection": "audit", "indexes": ["-at", "user", "signer"]}
    at = me.DateTimeField(required=True)
    method = me.StringField()
    path = me.StringField()
    status = me.IntField()
    user = me.StringField()
    signer = me.StringField()
    client_address = me.StringField()
    application = me.StringField()
    error = me.StringField()
    query = me.StringField()  # the filters of a read of this trail (gateway/audit_api.py)


def ensure_retention(retention_days: int) -> None:
    ensure_ttl(AuditRecord, "at", retention_days, "audit_ttl")


class _Buffer:
    """Records waiting for the flusher thread, started on first use in each process
    (gunicorn forks its workers after import, and a thread does not survive a fork)."""

    def __init__(self):
        self.records: list[dict] = []
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def add(self, record: dict) -> None:
        with self.lock:
            self.records.append(record)
            if len(self.records) > MAX_BUFFERED:
                dropped = len(self.records) - MAX_BUFFERED
                del self.records[:dropped]
                log.error("audit buffer full (database unavailable?): %d oldest records dropped", dropped)
            full = len(self.records) >= FLUSH_AT
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="audit-flusher", daemon=True)
                self.thread.start()
        if full:
            self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait(FLUSH_SECONDS)
            self.wake.clear()
            self.flush()

    def flush(self) -> None:
        with self.lock:
            batch, self.records = self.records, []
        if not batch:
            return
        try:
            AuditRecord._get_collection().insert_many(batch, ordered=False)
            return
        except BulkWriteError as exc:  # those already written (duplicate _id) are done
            batch = [batch[e["index"]] for e in exc.details.get("writeErrors", []) if e.get("code") != 11000]
        except Exception as exc:
            log.warning("audit records not written yet (%s); retrying", type(exc).__name__)
        with self.lock:  # keep the rest for the next flush
            self.records[:0] = batch


_buffer = _Buffer()
atexit.register(_buffer.flush)


def record(**fields) -> None:
    """Queue one audit record (written within ``FLUSH_SECONDS``)."""
    doc = {"at": clock.now(), **{k: v for k, v in fields.items() if v is not None}}
    _buffer.add(doc)


def flush() -> None:
    """Write what is buffered now (tests, shutdown)."""
    _buffer.flush()
