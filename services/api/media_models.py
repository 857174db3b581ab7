"""What the api keeps about an uploaded file (its bytes are in the media store,
services/api/media_storage.py): whose it is, what it is, and the post that carries it."""

from __future__ import annotations

import mongoengine as me

from fedkit.runtime import clock
from fedkit.runtime.db import Document


class MediaUpload(Document):
    """One upload (docs.joinmastodon.org/entities/MediaAttachment/), by its Mastodon id.

    ``status_uri`` decides who may load the file: None while unattached (its owner only),
    ``pending:<claim>`` while the post that takes it is being published, then the post's URI (who
    may see that post may load the file)."""

    meta = {"collection": "api_media",
            "indexes": [{"fields": ["owner", "status_uri"]}, {"fields": ["status_uri"]}]}
    PENDING = "pending"

    number = me.StringField(primary_key=True)  # the Mastodon id: decimal digits
    owner = me.StringField(required=True)  # local username
    kind = me.StringField(required=True, choices=("image", "unknown"))
    mime = me.StringField(required=True)  # of the kept original, read from its content
    extension = me.StringField(required=True)
    small_mime = me.StringField()  # the preview's (images only)
    size = me.IntField(default=0)
    blurhash = me.StringField()
    dimensions = me.DictField()  # meta.original and meta.small
    description = me.StringField(default="")
    focus_x = me.FloatField(default=0.0)
    focus_y = me.FloatField(default=0.0)
    status_uri = me.StringField(null=True, default=None)
    created_at = me.DateTimeField(default=clock.now)

    @property
    def attached(self) -> bool:
        return bool(self.status_uri) and not self.status_uri.startswith(self.PENDING + ":")

    def key(self, variant: str) -> str:
        """The media store's key of the original or the preview."""
        return f"{self.number}/{variant}"
