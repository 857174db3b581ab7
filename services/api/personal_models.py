"""What a user keeps for themselves in the client API, private to them and stored by the api
service alone: bookmarks (docs.joinmastodon.org/methods/bookmarks/) and read positions
(docs.joinmastodon.org/methods/markers/). No other service, and no other user, sees them."""

from __future__ import annotations

import mongoengine as me

from fedkit.runtime import clock
from fedkit.runtime.db import Document


class Bookmark(Document):
    """A status a user bookmarked, by its object URI; ``number`` orders and pages them
    (services/api/ids.py numbers: newest bookmark, highest number)."""

    meta = {"collection": "api_bookmarks",
            "indexes": [{"fields": ["user", "uri"], "unique": True}, ("user", "-number")]}
    user = me.StringField(required=True)  # the local username
    uri = me.StringField(required=True)
    number = me.LongField(required=True)
    created_at = me.DateTimeField(default=clock.now)


def bookmarked(user: str | None, uri: str) -> bool:
    """Has this user bookmarked the status at ``uri``? (the Status entity's ``bookmarked``)"""
    return bool(user) and Bookmark.objects(user=user, uri=uri).only("id").first() is not None


def bookmarked_among(user: str | None, uris: list[str]) -> set[str]:
    """Which of ``uris`` this user bookmarked: one query for a page of statuses."""
    if not user or not uris:
        return set()
    return {b.uri for b in Bookmark.objects(user=user, uri__in=list(uris)).only("uri")}


class Marker(Document):
    """A user's read position in one timeline (``home`` or ``notifications``)."""

    meta = {"collection": "api_markers", "indexes": [{"fields": ["user", "timeline"], "unique": True}]}
    user = me.StringField(required=True)
    timeline = me.StringField(required=True)
    last_read_id = me.StringField(required=True)
    version = me.IntField(default=0)
    updated_at = me.DateTimeField(default=clock.now)


def last_read(user: str, timeline: str) -> str | None:
    """The user's read position in a timeline (``home``, ``notifications``), or None."""
    found = Marker.objects(user=user, timeline=timeline).only("last_read_id").first()
    return found.last_read_id if found else None
