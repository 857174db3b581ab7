"""The expert finder, Archipel's own endpoint beside the Mastodon API:
``GET /api/archipel/experts?q=&limit=&offset=`` (a user's bearer token, scope ``read``,
``read:search`` or ``read:accounts``) answers ``[{"account": Account, "score": n,
"evidence": [{"kind": "skill"|"profile"|"post", "text", ("part"), ("url", "status_id")}]}]``,
best first (services/api/expert_finder.py; the score: fedkit/rules/expertise.py). ``limit``
1..40 (default 20).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from services.api import expert_finder
from services.api.auth import require_scope
from services.api.errors import api_error

bp = Blueprint("experts", __name__)

MAX_QUERY = 200


def _number(name: str, default: int, low: int, high: int) -> int | None:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    return max(low, min(int(raw), high)) if raw.isascii() and raw.isdigit() else None


@bp.get("/api/archipel/experts")
@require_scope("read:search", "read:accounts")
def experts():
    q = " ".join(request.args.get("q", "").split())[:MAX_QUERY]
    if not q:
        return api_error(400, "param is missing or the value is empty: q")
    limit, offset = _number("limit", 20, 1, 40), _number("offset", 0, 0, 200)
    if limit is None or offset is None:
        return api_error(400, "limit and offset must be numbers")
    return jsonify([{"account": entity, "score": expert.score, "evidence": expert.evidence}
                    for expert, entity in expert_finder.find(q, limit=limit, offset=offset)])
