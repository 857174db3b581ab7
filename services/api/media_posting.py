"""``media_ids`` of ``POST /api/v1/statuses`` (docs.joinmastodon.org/methods/statuses/#create):
the author's own unattached uploads, at most ``MAX_ATTACHMENTS``, become the Note's AS2
``attachment`` and are bound to the published post (whose audience then decides who may
load them, services/api/media_access.py). Someone else's upload, one already attached or
an unknown id: 422, as Mastodon ("Media not found")."""

from __future__ import annotations

import uuid

from flask import request

from services.api import upstream
from services.api.media_entities import as2_attachment
from services.api.media_models import MediaUpload
from services.api.media_processing import MediaRefused

MAX_ATTACHMENTS = 4  # announced in /api/v2/instance (configuration.statuses.max_media_attachments)


def media_ids(params: dict) -> list[str]:
    """The ids an app sent: ``media_ids[]`` repeated in a form (Mastodon.py, most apps), or a
    JSON array; in order, once each."""
    if request.is_json:
        value = params.get("media_ids", params.get("media_ids[]"))
        values = value if isinstance(value, list) else [value]
    else:
        values = request.form.getlist("media_ids[]") or request.form.getlist("media_ids")
    return list(dict.fromkeys(str(v) for v in values if isinstance(v, str | int) and str(v)))


def publish(username: str, note: dict, params: dict):
    """Publish ``note`` as the user with the uploads ``params`` name (``upstream.publish``'s
    answer); ``MediaRefused`` (422) when one is not theirs to attach."""
    wanted = media_ids(params)
    if not wanted:
        return upstream.publish(username, note)
    if len(wanted) > MAX_ATTACHMENTS:
        raise MediaRefused(f"Cannot attach more than {MAX_ATTACHMENTS} files")
    claim = f"{MediaUpload.PENDING}:{uuid.uuid4().hex}"
    # Claimed in one update, so two posts cannot take the same upload.
    MediaUpload.objects(number__in=wanted, owner=username, status_uri=None).update(set__status_uri=claim)
    claimed = {u.number: u for u in MediaUpload.objects(status_uri=claim)}
    missing = [n for n in wanted if n not in claimed]
    if missing:
        MediaUpload.objects(status_uri=claim).update(set__status_uri=None)
        raise MediaRefused(f"Media not found: {', '.join(missing)}")
    note = {**note, "attachment": [as2_attachment(claimed[n]) for n in wanted]}
    try:
        published = upstream.publish(username, note)
    except BaseException:
        MediaUpload.objects(status_uri=claim).update(set__status_uri=None)
        raise
    obj = published.body.get("activity", {}).get("object") if published.status == 201 else None
    uri = obj.get("id") if isinstance(obj, dict) else None
    # Published: bound to the post. Held for review or refused: free again (a held post,
    # once released, is a new post; its files then stay with their owner only).
    MediaUpload.objects(status_uri=claim).update(set__status_uri=uri if isinstance(uri, str) else None)
    return published
