"""The api service's own collection: the Mastodon id of every account it has shown.

Mastodon ids are opaque strings; apps put them in paths (``/api/v1/accounts/:id``) and
keep them for ever. An actor URI cannot be one (slashes, length), a username is not unique
across servers, so each account — local or remote, keyed by its actor URI — gets a number
once, at first sight (``services/api/ids.py``)."""

from __future__ import annotations

import mongoengine as me

from fedkit.runtime import clock
from fedkit.runtime.db import Document


class AccountId(Document):
    meta = {"collection": "api_account_ids",
            "indexes": [{"fields": ["number"], "unique": True}]}
    actor = me.StringField(primary_key=True)  # the actor URI
    number = me.StringField(required=True)  # the Mastodon id: decimal digits
    created_at = me.DateTimeField(default=clock.now)


class StatusId(Document):
    """The Mastodon id of a status (an AS2 object, local or remote), keyed by its URI:
    allocated at first sight from its ``published`` time, so ids sort as Mastodon's do."""

    meta = {"collection": "api_status_ids",
            "indexes": [{"fields": ["number"], "unique": True}]}
    uri = me.StringField(primary_key=True)  # the object URI
    number = me.StringField(required=True)
    created_at = me.DateTimeField(default=clock.now)


class IdempotentPost(Document):
    """``Idempotency-Key`` of a posted status (docs.joinmastodon.org/methods/statuses/#create):
    the same key from the same user within an hour gives the same status, not a second one."""

    meta = {"collection": "api_idempotent_posts",
            "indexes": [{"fields": ["user", "key"], "unique": True}]}
    user = me.StringField(required=True)
    key = me.StringField(required=True)
    status = me.DictField()  # the Status entity answered the first time; empty while posting
    code = me.IntField(default=200)  # and its status code (202: held for review)
    created_at = me.DateTimeField(default=clock.now)
