"""The trail of what the group's directory changed through SCIM (identity-owned
collection ``scim_changes``): when, which operation, on which account, from which
client address, and the names (never the values) of the attributes it changed.
Kept ``ARCHIPEL_AUDIT_RETENTION_DAYS`` like the gateway's audit trail (TTL index made
by ``deploy.migrate``). Never records the bearer secret nor any request body.

The gateway's own audit record of the same HTTP request (method, path, status) is
still written; this one says what the request did to the account.
"""

from __future__ import annotations

import logging

import mongoengine as me

from fedkit.runtime import clock
from fedkit.runtime.db import Document, ensure_ttl

log = logging.getLogger(__name__)

# What a SCIM request did to an account.
CREATE = "create"
UPDATE = "update"
DEACTIVATE = "deactivate"
REACTIVATE = "reactivate"
DELETE = "delete"
OPERATIONS = (CREATE, UPDATE, DEACTIVATE, REACTIVATE, DELETE)


class ScimChange(Document):
    meta = {"collection": "scim_changes", "indexes": ["-at", "username"]}
    at = me.DateTimeField(required=True)
    operation = me.StringField(required=True, choices=OPERATIONS)
    username = me.StringField(required=True)
    attributes = me.ListField(me.StringField())  # SCIM attribute names changed (update)
    client_address = me.StringField()


def record(operation: str, username: str, *, attributes=(), client_address: str | None = None) -> None:
    try:
        ScimChange(at=clock.now(), operation=operation, username=username,
                   attributes=sorted(attributes), client_address=client_address).save()
    except Exception:
        log.exception("SCIM change record not written (%s %s)", operation, username)


def ensure_retention(retention_days: int) -> None:
    """The TTL index of the trail (a deployment step, as gateway.audit.ensure_retention)."""
    ensure_ttl(ScimChange, "at", retention_days, "scim_changes_ttl")


def as_row(doc: dict) -> dict:
    """A stored change as the auditor API shows it (fedkit/contracts/trails.py's columns)."""
    return {"id": str(doc["_id"]), "at": clock.iso(doc["at"]), "operation": doc.get("operation"),
            "user": doc.get("username"), "attributes": " ".join(doc.get("attributes") or ()),
            "address": doc.get("client_address")}
