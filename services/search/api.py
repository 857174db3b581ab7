"""The search service's internal endpoints (fedkit/contracts/search.py): ids of what
matches, for the services that show it (they re-check each with the visibility policy)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from fedkit.contracts import search as contract
from fedkit.protocol.hashtags import normalized
from fedkit.runtime.responses import error
from services.search import queries
from services.search.engine import open_index, searcher

bp = Blueprint("search", __name__)

MAX_QUERY = 200
MAX_LIMIT = 200
MAX_OFFSET = 1000


def _query() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _number(query: dict, name: str, default: int, top: int) -> int:
    value = query.get(name)
    return max(0, min(value, top)) if isinstance(value, int) and not isinstance(value, bool) else default


def _text(query: dict, name: str) -> str | None:
    value = query.get(name)
    return value if isinstance(value, str) and value else None


def _found(kind: str, *, restricted: bool = False):
    query = _query()
    q = (_text(query, "q") or "").strip()[:MAX_QUERY]
    tag_prefix = normalized(_text(query, "tag_prefix") or "") if kind == contract.POST else None
    if not q and not tag_prefix:
        return error(400, "invalid_request", "q (or, for posts, tag_prefix) is required")
    restrict = {"tag_prefix": tag_prefix} if tag_prefix else {}
    if restricted:
        audience = query.get("audience")
        if not isinstance(audience, list) or not all(isinstance(a, str) for a in audience):
            return error(400, "invalid_request", "audience must be a list of ids")
        restrict["audience"] = audience
    if kind == contract.POST:
        restrict.update(viewer=_text(query, "viewer"), author=_text(query, "author"))
    root = current_app.config["ARCHIPEL"].search_root
    index = open_index(root)
    ids = queries.search(index, searcher(index, root), kind, q, limit=max(1, _number(query, "limit", 20, MAX_LIMIT)),
                         offset=_number(query, "offset", 0, MAX_OFFSET), **restrict)
    return jsonify(ids=ids)


@bp.post(contract.POSTS)
def posts():
    return _found(contract.POST, restricted=True)


@bp.post(contract.PEOPLE)
def people():
    return _found(contract.PERSON)


@bp.post(contract.COMMUNITIES)
def communities():
    return _found(contract.COMMUNITY, restricted=True)
