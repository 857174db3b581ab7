"""A local user's favourites (Mastodon's ``GET /api/v1/favourites``): the objects they
liked, from the inbox's interactions (their own Likes reach it through the local fan-out),
newest like first, cursors the like's time in milliseconds."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts import inbox as contract
from fedkit.protocol.vocab import LIKE, local_actor_id
from fedkit.runtime.responses import error
from services.inbox.models import Interaction

bp = Blueprint("inbox_favourites", __name__)


def _millis(when: dt.datetime) -> int:
    """Stored times are naive UTC."""
    return int(when.replace(tzinfo=dt.UTC).timestamp() * 1000)


def _cursor(name: str) -> dt.datetime | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 15):
        raise ValueError(name)
    return dt.datetime.fromtimestamp(int(raw) / 1000, dt.UTC).replace(tzinfo=None)


@bp.get(contract.FAVOURITES)
def favourites(username: str):
    if g.requester.user != username or not g.requester.has_scope("read:favourites"):
        return error(403, "forbidden", "only the owner reads their favourites, with read:favourites")
    try:
        limit = max(1, min(int(request.args.get("limit", "20")), 40))
        max_id, since_id, min_id = _cursor("max_id"), _cursor("since_id"), _cursor("min_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    query = Interaction.objects(kind=LIKE, actor=local_actor_id(current_app.config["ARCHIPEL"].base_url, username))
    if max_id is not None:
        query = query.filter(created_at__lt=max_id)
    if since_id is not None:
        query = query.filter(created_at__gt=since_id)
    if min_id is not None:
        rows = list(query.filter(created_at__gt=min_id).order_by("created_at").limit(limit))[::-1]
    else:
        rows = list(query.order_by("-created_at").limit(limit))
    return jsonify(items=[{"object_id": r.object_id, "cursor": str(_millis(r.created_at))} for r in rows])
