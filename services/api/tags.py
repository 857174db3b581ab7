"""Hashtags: the tag timeline (docs.joinmastodon.org/methods/timelines/#tag) and a tag's
entity (docs.joinmastodon.org/methods/tags/#get).

The timeline lists the posts this node holds (received, and its own users') that carry
the tag — or any of ``any[]``, and all of ``all[]``, and none of ``none[]`` — and that the
requester may see (the inbox reads them as the requester); ``local=true`` keeps this node's.
Pages carry Mastodon's ``Link`` header; a status id works as a cursor too.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, jsonify, request

from fedkit.protocol.hashtags import normalized
from services.api import finders, ids, upstream
from services.api.entities import status_entity
from services.api.errors import not_found
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
    return jsonify(finders.tag_entity(hashtag.lstrip("#"))) if name else not_found("no such hashtag")
