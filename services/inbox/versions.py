"""The earlier versions of objects this node received and saw edited (an Update from their
author that changed what they say), for the client API's edit history."""

from __future__ import annotations

import mongoengine as me

from fedkit.runtime.clock import now
from fedkit.runtime.db import Document, JSONDictField


class ReceivedVersion(Document):
    """One earlier version of a received object, as it was stored."""

    meta = {"collection": "received_versions", "indexes": [("object_id", "kept_at")]}
    object_id = me.StringField(required=True)
    raw = JSONDictField(required=True)
    kept_at = me.DateTimeField(default=now)


def keep(raw: dict) -> None:
    ReceivedVersion(object_id=raw["id"], raw=raw).save()


def earlier_versions(object_id: str) -> list[dict]:
    """The object's earlier versions, oldest first."""
    return [v.raw for v in ReceivedVersion.objects(object_id=object_id).order_by("kept_at")]
