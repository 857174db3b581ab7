"""The api service's own collection: the Mastodon id of every account it has shown.

Mastodon ids are opaque strings; apps put them in paths (``/api/v1/accounts/:id``) and
keep them for ever. An actor URI cannot be one (slashes, length), a username is not unique
across servers, so each account — local or remote, keyed by its actor URI — gets a number
once, at first sight (``services/api/ids.py``)."""

from __future__ import annotations

import mongoengine as me

from fedkit import clock
from fedkit.db import Document


class AccountId(Document):
    meta = {"collection": "api_account_ids",
            "indexes": [{"fields": ["number"], "unique": True}]}
    actor = me.StringField(primary_key=True)  # the actor URI
    number = me.StringField(required=True)  # the Mastodon id: decimal digits
    created_at = me.DateTimeField(default=clock.now)
