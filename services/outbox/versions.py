"""The earlier versions of this node's edited posts (Mastodon's status edit history).

The publisher keeps an object's version here just before an Update changes what it says
(publishing.py); the client API shows them, oldest first, with the current one last."""

from __future__ import annotations

import mongoengine as me

from fedkit.runtime.clock import now
from fedkit.runtime.db import Document, JSONDictField


class LocalObjectVersion(Document):
    """One earlier version of a local object (Note, Question…), as it was served."""

    meta = {"collection": "local_object_versions", "indexes": [("object_id", "kept_at")]}
    object_id = me.StringField(required=True)
    raw = JSONDictField(required=True)
    kept_at = me.DateTimeField(default=now)


def keep(raw: dict) -> None:
    LocalObjectVersion(object_id=raw["id"], raw=raw).save()


def forget(object_id: str) -> None:
    LocalObjectVersion.objects(object_id=object_id).delete()


def earlier_versions(object_id: str) -> list[dict]:
    """The object's earlier versions, oldest first."""
    return [v.raw for v in LocalObjectVersion.objects(object_id=object_id).order_by("kept_at")]
