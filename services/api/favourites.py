"""``GET /api/v1/favourites`` (docs.joinmastodon.org/methods/favourites/): the statuses the
user favourited, newest favourite first, paged with a Link header whose cursors are the
favourites' own (their time); a status they may no longer see is left out."""

from __future__ import annotations

from flask import Blueprint, jsonify

from services.api import upstream
from services.api.auth import require_scope
from services.api.entities import prefetch_page, status_entity, visible_object
from services.api.pagination import page_params, paged_response

bp = Blueprint("favourites", __name__)


@bp.get("/api/v1/favourites")
@require_scope("read:favourites")
def index():
    page = page_params(default=20, maximum=40)
    items = upstream.favourites(limit=page.limit, max_id=page.max_id, since_id=page.since_id, min_id=page.min_id)
    objects = [obj for obj in (visible_object(item["object_id"]) for item in items) if obj]
    prefetch_page(objects)
    entities = [e for e in (status_entity(obj) for obj in objects) if e is not None]
    return paged_response(jsonify(entities), [item["cursor"] for item in items])
