"""Hashtags: the tag timeline (docs.joinmastodon.org/methods/timelines/#tag), a tag's
entity (docs.joinmastodon.org/methods/tags/#get), following tags (methods/tags/#follow,
methods/followed_tags/) and the group's trending tags (methods/trends/#tags).

The timeline lists the posts this node holds (received, and its own users') that carry
the tag — or any of ``any[]``, and all of ``all[]``, and none of ``none[]`` — and that the
requester may see (the inbox reads them as the requester); ``local=true`` keeps this node's.
Pages carry Mastodon's ``Link`` header; a status id works as a cursor too.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, g, jsonify, request

from fedkit.protocol.hashtags import normalized
from services.api import finders, ids, tags_upstream, upstream
from services.api.auth import require_scope
from services.api.entities import status_entity
from services.api.errors import api_error, not_found
from services.api.pagination import page_params, paged_response

bp = Blueprint("tags", __name__)


def _listed(name: str) -> list[str]:
    return [v for v in request.args.getlist(f"{name}[]") + request.args.getlist(name) if v]


def _page():
    """The paging parameters; a status id as cursor becomes its URI, which the inbox takes
    as a cursor too (the Link header's cursors are the inbox's own)."""
    page = page_params(default=20, maximum=40)
    return replace(page, **{name: (ids.uri_of_status(value) or value) if value else None
                            for name, value in (("max_id", page.max_id), ("since_id", page.since_id),
                                                ("min_id", page.min_id))})


@bp.get("/api/v1/timelines/tag/<hashtag>")
def timeline(hashtag: str):
    name = normalized(hashtag)
    if name is None:
        return jsonify([])
    page = _page()
    items = upstream.posts_matching(any_tags=[name, *_listed("any")], all_tags=_listed("all"),
                                    none_tags=_listed("none"),
                                    local=request.args.get("local", "").lower() in ("true", "1", "on"),
                                    limit=page.limit, max_id=page.max_id, since_id=page.since_id,
                                    min_id=page.min_id)
    entities = [e for e in (status_entity(item["object"]) for item in items) if e is not None]
    return paged_response(jsonify(entities), [item["cursor"] for item in items])


@bp.get("/api/v1/tags/<hashtag>")
def show(hashtag: str):
    name = normalized(hashtag)
    return jsonify(_entity(name)) if name else not_found("no such hashtag")


def _entity(name: str) -> dict:
    """The Tag entity with its history and, for a signed-in reader, whether they follow it."""
    found = tags_upstream.tag(name)
    return finders.tag_entity(name, history=found["history"], following=found["following"])


def _set_following(hashtag: str, following: bool):
    name = normalized(hashtag)
    if name is None:
        return not_found("no such hashtag")
    tags_upstream.set_following(g.requester.user, name, following)
    return jsonify(_entity(name))


@bp.post("/api/v1/tags/<hashtag>/follow")
@require_scope("write:follows")
def follow(hashtag: str):
    """methods/tags/#follow: the user's home timeline gets the tag's new posts (none before)."""
    return _set_following(hashtag, True)


@bp.post("/api/v1/tags/<hashtag>/unfollow")
@require_scope("write:follows")
def unfollow(hashtag: str):
    """methods/tags/#unfollow."""
    return _set_following(hashtag, False)


@bp.get("/api/v1/followed_tags")
@require_scope("read:follows")
def followed():
    """methods/followed_tags/#get: most recently followed first, paged by ``Link`` headers
    (limit 100 by default, 200 at most)."""
    page = page_params(default=100, maximum=200)
    items = tags_upstream.followed(g.requester.user, limit=page.limit, max_id=page.max_id,
                                   since_id=page.since_id, min_id=page.min_id)
    entities = [finders.tag_entity(item["name"], following=True) for item in items]
    return paged_response(jsonify(entities), [item["cursor"] for item in items])


@bp.get("/api/v1/trends/tags")
@bp.get("/api/v1/trends")  # the old name of the same list (methods/trends/#tags)
def trending():
    """methods/trends/#tags: the group's trending tags (services/inbox/trends.py), counted from
    posts the requester may see that the whole group may see; ``limit`` 10 by default, 20 at
    most, and ``offset``."""
    limit = request.args.get("limit", "10")
    offset = request.args.get("offset", "0")
    if not (limit.isascii() and limit.isdigit() and offset.isascii() and offset.isdigit()):
        return api_error(400, "Validation failed", "limit and offset must be numbers")
    items = tags_upstream.trending(limit=max(1, min(int(limit), 20)), offset=min(int(offset), 200))
    return jsonify([finders.tag_entity(item["name"], history=item["history"]) for item in items])
