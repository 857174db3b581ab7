"""Favourites and boosts (docs.joinmastodon.org/methods/statuses/#favourite, #reblog).

A favourite is a Like and a boost an Announce, each published through the outbox's C2S
path (as a C2S ``POST /users/<name>/outbox`` would); undoing one is an Undo of the user's
own activity. What is known of them (counts, who, the requester's own) comes from the
inbox, which records every Like and Announce it receives or the node's own users send.
Boosting follows the outbox's rule, Mastodon's: only public and unlisted posts may be
boosted (StatusPolicy#reblog?), so Archipel's group and node audiences, followers-only
and direct posts are refused with 403; a status the user may not see is a 404.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from fedkit.protocol.vocab import ANNOUNCE, LIKE
from services.api import ids, upstream
from services.api.auth import require_scope
from services.api.entities import account_entity, reblog_entity, status_entity, visible_object
from services.api.entities import me as _me
from services.api.errors import api_error, not_found
from services.api.pagination import page_params, paged_response

bp = Blueprint("interactions", __name__)


def _visible(status_id: str) -> tuple[str | None, dict | None]:
    uri = ids.uri_of_status(status_id)
    return uri, (visible_object(uri) if uri else None)


def _refused(published) -> object:
    body = published.body
    if body.get("error") == "not_public":
        return api_error(403, "This action is not allowed", body.get("error_description"))
    status = published.status if 400 <= published.status < 600 else 422
    return api_error(status, body.get("error_description") or body.get("error") or "refused")


def _as_now(entity: dict, *, favourited: bool | None = None, reblogged: bool | None = None) -> dict:
    """The entity as it is once the Like/Announce (or its Undo) just sent is applied: the
    inbox records it asynchronously, so the counts may not show it yet."""
    entity = dict(entity)
    if favourited is not None and entity["favourited"] != favourited:
        entity["favourited"] = favourited
        entity["favourites_count"] = max(0, entity["favourites_count"] + (1 if favourited else -1))
    if reblogged is not None and entity["reblogged"] != reblogged:
        entity["reblogged"] = reblogged
        entity["reblogs_count"] = max(0, entity["reblogs_count"] + (1 if reblogged else -1))
    return entity


@bp.post("/api/v1/statuses/<status_id>/favourite")
@require_scope("write:favourites")
def favourite(status_id: str):
    uri, obj = _visible(status_id)
    entity = status_entity(obj) if obj else None
    if entity is None:
        return not_found("no such status")
    if not entity["favourited"]:
        published = upstream.publish(g.requester.user, {"type": LIKE, "object": uri})
        if published.status != 201:
            return _refused(published)
    return jsonify(_as_now(entity, favourited=True))


@bp.post("/api/v1/statuses/<status_id>/unfavourite")
@require_scope("write:favourites")
def unfavourite(status_id: str):
    return _undo_own(status_id, "favourite_id", "favourited")


@bp.post("/api/v1/statuses/<status_id>/reblog")
@require_scope("write:statuses")
def reblog(status_id: str):
    """The answer is the boost: a status of the user whose ``reblog`` is the boosted one."""
    uri, obj = _visible(status_id)
    entity = status_entity(obj) if obj else None
    if entity is None:
        return not_found("no such status")
    announce = upstream.interactions(uri)["reblog_id"]
    activity = {"id": announce, "actor": _me()}
    if not announce:
        published = upstream.publish(g.requester.user, {"type": ANNOUNCE, "object": uri})
        if published.status != 201:
            return _refused(published)
        activity = published.body.get("activity") or {}
    shown = reblog_entity(activity, obj)
    if shown is None:
        return api_error(503, "Service unavailable", "the boost was published but cannot be shown")
    return jsonify({**shown, "reblogged": True, "reblog": _as_now(shown["reblog"], reblogged=True)})


@bp.post("/api/v1/statuses/<status_id>/unreblog")
@require_scope("write:statuses")
def unreblog(status_id: str):
    return _undo_own(status_id, "reblog_id", "reblogged")


def _undo_own(status_id: str, own_field: str, flag: str):
    """Undo the requester's own Like or Announce of a status they may see (nothing to undo:
    the status as it is, as Mastodon answers)."""
    uri, obj = _visible(status_id)
    entity = status_entity(obj) if obj else None
    if entity is None:
        return not_found("no such status")
    own = upstream.interactions(uri)[own_field]
    if own:
        published = upstream.publish(g.requester.user, {"type": "Undo", "object": own})
        if published.status != 201:
            return _refused(published)
    return jsonify(_as_now(entity, **{flag: False}))


@bp.get("/api/v1/statuses/<status_id>/<any(favourited_by, reblogged_by):which>")
def interacted_by(status_id: str, which: str):
    """The accounts that favourited or boosted a status the requester may see, newest
    first, paged with a Link header (docs.joinmastodon.org/methods/statuses/#favourited_by)."""
    uri, obj = _visible(status_id)
    if obj is None:
        return not_found("no such status")
    page = page_params()
    items = upstream.interaction_actors(uri, LIKE if which == "favourited_by" else ANNOUNCE, limit=page.limit,
                                        max_id=page.max_id, since_id=page.since_id, min_id=page.min_id)
    entities = [e for e in (account_entity(item["actor"]) for item in items) if e is not None]
    return paged_response(jsonify(entities), [item["cursor"] for item in items])
