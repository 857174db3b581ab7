"""Editing statuses (docs.joinmastodon.org/methods/statuses/#edit, #history, #source).

An edit is an ``Update`` of the Note published through the outbox's C2S path, as every
write: the data-loss prevention guard checks it as a new post (a blocked edit is a 422), the
outbox keeps the version it replaces, sets ``updated`` and sends the Update exactly where
the post went. Only its author edits a status: another user who may see it gets 403, one
who may not 404. Text, spoiler, sensitive and language are edited; media and the poll of a
status are not yet (the post keeps its mentions, since the Update keeps its audience).
"""

from __future__ import annotations

import re

from flask import Blueprint, g, jsonify

from fedkit.protocol import polls
from fedkit.protocol.hashtags import link_hashtags, with_hashtags
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.sanitize import text_to_html
from fedkit.protocol.vocab import UPDATE
from services.api import converter, ids, upstream
from services.api.auth import require_scope
from services.api.entities import account_of, author_of, config, status_entity, visible_object
from services.api.entities import me as _me
from services.api.errors import api_error, not_found
from services.api.params import flag, params

bp = Blueprint("edits", __name__)
LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?")


def _shown(status_id: str) -> tuple[str | None, dict | None]:
    uri = ids.uri_of_status(status_id)
    return uri, (visible_object(uri) if uri else None)


def _language_of(obj: dict) -> str | None:
    content_map = obj.get("contentMap")
    found = [k for k in content_map if isinstance(k, str) and k != "und"] if isinstance(content_map, dict) else []
    return found[0] if found and LANGUAGE.fullmatch(found[0]) else None


def _changes(data: dict, current: dict) -> dict | str:
    """The fields the Update gives the object, or the error to answer."""
    text = data.get("status")
    text = text if isinstance(text, str) else ""
    if not text.strip():
        return "Validation failed: Text can't be blank"
    if len(text) > converter.MAX_CHARACTERS:
        return f"Validation failed: Text character limit of {converter.MAX_CHARACTERS} exceeded"
    content = link_hashtags(text_to_html(text), config().base_url)
    spoiler = data.get("spoiler_text")
    spoiler = spoiler.strip() if isinstance(spoiler, str) else ""
    language = data.get("language")
    if not (isinstance(language, str) and LANGUAGE.fullmatch(language)):
        language = _language_of(current)  # the language stays unless the edit names one
    return {"content": content, "summary": spoiler, "sensitive": flag(data.get("sensitive")) or bool(spoiler),
            # None removes a contentMap (the publisher keeps only a dict)
            "contentMap": {language: content} if language else None,
            "tag": with_hashtags(current.get("tag"), text, config().base_url)}


@bp.put("/api/v1/statuses/<status_id>")
@require_scope("write:statuses")
def edit(status_id: str):
    uri, obj = _shown(status_id)
    if obj is None:
        return not_found("no such status")
    if author_of(obj) != _me():
        return api_error(403, "This action is not allowed", "only its author edits a status")
    changes = _changes(params(), obj)
    if isinstance(changes, str):
        return api_error(422, changes)
    published = upstream.publish(g.requester.user, {"type": UPDATE, "object": {"id": uri, **changes}})
    body = published.body
    if published.status == 201:
        updated = body.get("activity", {}).get("object")
        entity = status_entity(updated) if isinstance(updated, dict) else None
        if entity is None:
            return api_error(503, "Service unavailable", "the edit was published but cannot be shown")
        return jsonify(entity)
    if published.status == 202 and body.get("held"):  # held for review: the status unchanged, marked pending
        resp = jsonify({**(status_entity(obj) or {}), "pending": True,
                        "archipel": {"held": {"state": body.get("state"), "rule": body.get("rule"),
                                              "message": body.get("error_description"),
                                              "review_url": body.get("url")}}})
        resp.status_code = 202
        return resp
    message = body.get("error_description") or body.get("error") or "the edit was refused"
    return api_error(published.status if 400 <= published.status < 600 else 422, message,
                     body.get("error") if isinstance(body.get("error"), str) else None)


def _version(obj: dict, account: dict) -> dict:
    """A StatusEdit entity (docs.joinmastodon.org/entities/StatusEdit/)."""
    shown = converter.status(obj, status_id="0", account=account, visibility=converter.DIRECT,
                             base_url=config().base_url)
    poll = {"options": [{"title": t} for t, _ in polls.options(obj)]} if polls.is_poll(obj) else None
    return {"content": shown["content"], "spoiler_text": shown["spoiler_text"], "sensitive": shown["sensitive"],
            "created_at": shown["edited_at"] or shown["created_at"], "account": account, "poll": poll,
            "media_attachments": [], "emojis": []}


@bp.get("/api/v1/statuses/<status_id>/history")
def history(status_id: str):
    """Every version of a status the requester may see, oldest first, the current one last
    (a status never edited has one)."""
    uri, obj = _shown(status_id)
    account = account_of(author_of(obj) or "") if obj else None
    if obj is None or account is None:
        return not_found("no such status")
    earlier = upstream.earlier_versions(uri, local=is_local(uri, config().base_url)) or []
    return jsonify([_version(v, account) for v in [*earlier, obj]])


@bp.get("/api/v1/statuses/<status_id>/source")
@require_scope("read:statuses")
def source(status_id: str):
    """What the author wrote, for the composer of an edit (docs.joinmastodon.org/entities/StatusSource/)."""
    _, obj = _shown(status_id)
    if obj is None or author_of(obj) != _me():
        return not_found("no such status of yours")
    summary = obj.get("summary") if isinstance(obj.get("summary"), str) else ""
    return jsonify(id=status_id, text=converter.with_source({}, obj)["text"],
                   spoiler_text=converter.plain_text(summary))
