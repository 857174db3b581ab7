"""Timelines (docs.joinmastodon.org/methods/timelines/) and an account's statuses.

- ``home``: the user's inbox (what reached them: their follows' posts, mentions, community
  relays), as the inbox collection shows it to them;
- ``public?local=true``: this node's stream, its users' posts to the public, the group or
  the node; ``public``: the group's stream as this node knows it;
- ``accounts/:id/statuses``: one account's posts.

Only what the visibility policy lets the requester see, on every one.

Each page carries Mastodon's ``Link`` header; its cursors are the services' own (opaque).
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, jsonify, request

from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import CREATE
from services.api import communities, ids, upstream
from services.api.auth import require_scope
from services.api.entities import account_of, home_entity, me, prefetch_page, status_entity
from services.api.entities import config as _config
from services.api.errors import not_found
from services.api.pagination import page_params, paged_response

bp = Blueprint("timelines", __name__)


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in ("true", "1", "on")


def _timeline_page(per_ms: int):
    """The request's paging, where a cursor may also be a status id: the Link header's
    cursors are the services' own, but many apps page with the ids of the statuses they
    hold (``max_id`` = the oldest shown). A status id carries its publication time
    (services/api/ids.py), which becomes the service's cursor (``per_ms`` per millisecond):
    what arrived before, or after, that status was published."""
    page = page_params(default=20, maximum=40)
    cursors = {}
    for name in ("max_id", "since_id", "min_id"):
        value = getattr(page, name)
        if value and ids.uri_of_status(value):
            value = str((int(value) >> 16) * per_ms)
        cursors[name] = value
    return replace(page, **cursors)


def _shown_posts(item: dict) -> list:
    """The posts a page item shows: its object, or a home item's post (a boost's, relayed or not)."""
    if "object" in item:
        return [item["object"]]
    inner = item["activity"].get("object")
    if isinstance(inner, dict) and isinstance(inner.get("object"), dict):
        return [inner["object"]]
    return [inner]


def _page(items: list[dict], entity_of):
    prefetch_page([post for item in items for post in _shown_posts(item)])
    entities = [e for e in (entity_of(item) for item in items) if e is not None]
    return paged_response(jsonify(entities), [item["cursor"] for item in items])


@bp.get("/api/v1/timelines/home")
@require_scope("read:statuses")
def home():
    """What reached the user (their inbox) and, as on Mastodon, their own posts. The two are
    merged on one clock: an inbox item's cursor is its ``seq`` (microseconds × 100, see
    services/inbox/context.py), an own post's its creation in milliseconds × 100,000."""
    page = _timeline_page(OWN_SCALE)
    received = [{**item, "cursor": int(item["cursor"])} for item in
                upstream.home(limit=page.limit, max_id=page.max_id, since_id=page.since_id, min_id=page.min_id)]
    own = [{"activity": {"type": CREATE, "object": item["object"]}, "cursor": int(item["cursor"]) * OWN_SCALE}
           for item in upstream.local_posts(author=me(), limit=page.limit, **_own_cursors(page, received))]
    merged = sorted(received + own, key=lambda item: item["cursor"], reverse=True)
    # min_id asks for the page just newer than the cursor: the oldest of what is newer.
    merged = merged[-page.limit:] if page.min_id else merged[:page.limit]
    items = [{**item, "cursor": str(item["cursor"])} for item in merged]
    return _page(items, lambda item: home_entity(item["activity"]))


OWN_SCALE = 100_000  # an inbox seq per millisecond


def _as_own_cursors(page) -> dict:
    """The home timeline's cursors (already checked to be digits by the inbox) as the
    outbox's (milliseconds)."""
    return {name: str(int(value) // OWN_SCALE) for name, value in
            (("max_id", page.max_id), ("since_id", page.since_id), ("min_id", page.min_id)) if value}


def _own_cursors(page, received: list[dict]) -> dict:
    """``_as_own_cursors``, narrowed by a full page of received items: an own post older than
    its oldest (newer than its newest, paging up with ``min_id``) cannot join the page. The
    bound keeps the outbox's read to a range of the author's posts (the embedded database
    otherwise reads every one of them to sort; a tie on the millisecond is kept)."""
    cursors = _as_own_cursors(page)
    if len(received) < page.limit:
        return cursors
    if page.min_id:
        below = max(item["cursor"] for item in received) // OWN_SCALE + 1
        cursors["max_id"] = str(min(below, int(cursors.get("max_id", below))))
    else:
        above = min(item["cursor"] for item in received) // OWN_SCALE - 1
        cursors["since_id"] = str(max(above, int(cursors.get("since_id", above))))
    return cursors


@bp.get("/api/v1/timelines/public")
def public():
    """``local=true``: this node's stream (its users' posts to the public, the group or the
    node); otherwise the group's stream as this node knows it (posts it received or sent to
    the public or the group). Only what the policy lets the requester see, in both."""
    page = _timeline_page(1)
    cursors = {"limit": page.limit, "max_id": page.max_id, "since_id": page.since_id, "min_id": page.min_id}
    if _flag("local"):
        items = upstream.local_posts(stream=True, **cursors)
    else:
        items = upstream.received_posts(stream=True, **cursors)
    return _page(items, lambda item: status_entity(item["object"]))


@bp.get("/api/v1/accounts/<account_id>/statuses")
def account_statuses(account_id: str):
    """An account's statuses the requester may see, newest first (``exclude_replies``;
    ``pinned=true`` is an empty list: nothing is pinned here; ``only_media``: those with
    attachments). A local account's come from the outbox, a remote one's from what this
    node received of them."""
    actor = ids.actor_of(account_id)
    if not actor or account_of(actor) is None:
        return not_found("no such account")
    if _flag("pinned"):
        return jsonify([])
    page = _timeline_page(1)
    cursors = {"limit": page.limit, "max_id": page.max_id, "since_id": page.since_id, "min_id": page.min_id}
    relays = communities.relays(actor, **cursors)  # a community's: its relays, as reblogs
    if relays is not None:
        return _page(relays, lambda item: home_entity(item["activity"]))
    read = upstream.local_posts if is_local(actor, _config().base_url) else upstream.received_posts
    items = read(author=actor, exclude_replies=_flag("exclude_replies"), **cursors)
    only_media = _flag("only_media")
    return _page(items, lambda item: _with_media(status_entity(item["object"])) if only_media
                 else status_entity(item["object"]))


def _with_media(entity: dict | None) -> dict | None:
    return entity if entity and entity["media_attachments"] else None
