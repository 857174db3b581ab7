"""Read positions (docs.joinmastodon.org/methods/markers/): where the user stopped reading
their home timeline and their notifications, so that every app they use starts there and
counts what is unread (services/api/notifications.py ``unread_count``). Private to the
user, kept by the api alone (services/api/personal_models.py)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from fedkit.protocol.jsonbody import request_json
from fedkit.runtime import clock
from services.api.auth import require_scope
from services.api.errors import api_error
from services.api.personal_models import Marker

bp = Blueprint("markers", __name__)

TIMELINES = ("home", "notifications")
MAX_ID_LENGTH = 64


def _entity(marker: Marker) -> dict:
    when = marker.updated_at
    return {"last_read_id": marker.last_read_id, "version": marker.version,
            "updated_at": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"}


def _answer(timelines) -> dict:
    found = Marker.objects(user=g.requester.user, timeline__in=list(timelines))
    return {m.timeline: _entity(m) for m in sorted(found, key=lambda m: TIMELINES.index(m.timeline))}


@bp.get("/api/v1/markers")
@require_scope("read:statuses")
def show():
    """The markers of the timelines named in ``timeline[]`` (none named: an empty object)."""
    asked = request.args.getlist("timeline[]") + request.args.getlist("timeline")
    return jsonify(_answer(t for t in dict.fromkeys(asked) if t in TIMELINES))


def _positions() -> dict[str, object]:
    """{timeline: last_read_id} from ``home[last_read_id]=…`` (a form, as most apps send it)
    or ``{"home": {"last_read_id": …}}`` (JSON)."""
    if request.is_json:
        data = request_json(required=False)
        data = data if isinstance(data, dict) else {}
        return {t: data[t].get("last_read_id") for t in TIMELINES if isinstance(data.get(t), dict)}
    values = request.form if request.form else request.args
    return {t: values.get(f"{t}[last_read_id]") for t in TIMELINES if f"{t}[last_read_id]" in values}


@bp.post("/api/v1/markers")
@require_scope("write:statuses")
def save():
    positions = _positions()
    if not positions:
        return api_error(400, "param is missing or the value is empty: home or notifications")
    for timeline, last_read_id in positions.items():
        if isinstance(last_read_id, bool) or not isinstance(last_read_id, str | int) or not str(last_read_id) \
                or len(str(last_read_id)) > MAX_ID_LENGTH:
            return api_error(422, f"Validation failed: {timeline} last_read_id is not an id")
    for timeline, last_read_id in positions.items():
        Marker.objects(user=g.requester.user, timeline=timeline).update_one(
            upsert=True, set__last_read_id=str(last_read_id), inc__version=1, set__updated_at=clock.now())
    return jsonify(_answer(positions))

