"""Bookmarks (docs.joinmastodon.org/methods/bookmarks/, /methods/statuses/#bookmark): a
user's private list of statuses, kept by the api alone (services/api/personal_models.py);
nothing is federated. Only a status the user may see can be bookmarked (else 404, as a
missing one), and the list shows only what they may still see."""

from __future__ import annotations

import mongoengine as me
from flask import Blueprint, g, jsonify

from services.api import ids
from services.api.auth import require_scope
from services.api.entities import status_entity, visible_object
from services.api.errors import not_found
from services.api.pagination import BadPage, page_params, paged_response
from services.api.personal_models import Bookmark

bp = Blueprint("bookmarks", __name__)


def _shown(status_id: str) -> tuple[str | None, dict | None]:
    uri = ids.uri_of_status(status_id)
    obj = visible_object(uri) if uri else None
    return uri, (status_entity(obj) if obj else None)


@bp.post("/api/v1/statuses/<status_id>/bookmark")
@require_scope("write:bookmarks")
def bookmark(status_id: str):
    uri, entity = _shown(status_id)
    if entity is None:
        return not_found("no such status")
    try:
        Bookmark(user=g.requester.user, uri=uri, number=int(ids.new_number())).save(force_insert=True)
    except me.NotUniqueError:
        pass  # bookmarked already: the same answer
    return jsonify({**entity, "bookmarked": True})


@bp.post("/api/v1/statuses/<status_id>/unbookmark")
@require_scope("write:bookmarks")
def unbookmark(status_id: str):
    uri, entity = _shown(status_id)
    if entity is None:
        return not_found("no such status")
    Bookmark.objects(user=g.requester.user, uri=uri).delete()
    return jsonify({**entity, "bookmarked": False})


def _number(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit() and len(value) <= 19):
        raise BadPage(f"{name} is not a cursor of this list")
    return int(value)


@bp.get("/api/v1/bookmarks")
@require_scope("read:bookmarks")
def index():
    """The user's bookmarks, newest first, paged with a Link header (cursors: the
    bookmarks' own numbers); a status they may no longer see is left out."""
    page = page_params(default=20, maximum=40)
    query = Bookmark.objects(user=g.requester.user)
    for name, op in (("max_id", "lt"), ("since_id", "gt"), ("min_id", "gt")):
        value = getattr(page, name)
        if value is not None:
            query = query.filter(**{f"number__{op}": _number(name, value)})
    rows = list(query.order_by("number" if page.min_id else "-number").limit(page.limit))
    if page.min_id:
        rows.reverse()
    entities = []
    for row in rows:
        obj = visible_object(row.uri)
        entity = status_entity(obj) if obj else None
        if entity is not None:
            entities.append({**entity, "bookmarked": True})
    return paged_response(jsonify(entities), [str(row.number) for row in rows])
