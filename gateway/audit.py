"""The audit trail: one record per request that reaches the node (gateway-owned
collection ``audit``): when, who (local user or remote signer), from which address
and application, what, and the outcome. Kept ``ARCHIPEL_AUDIT_RETENTION_DAYS`` (TTL index).
Never records bodies, tokens or signatures.
"""

from __future__ import annotations

import datetime as dt
import logging

import mongoengine as me

from fedkit.db import Document, ensure_ttl

log = logging.getLogger(__name__)


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


def ensure_retention(retention_days: int) -> None:
    ensure_ttl(AuditRecord, "at", retention_days, "audit_ttl")


def record(**fields) -> None:
    try:
        AuditRecord(at=dt.datetime.now(dt.UTC), **fields).save()
    except Exception:
        log.exception("audit record not written")
