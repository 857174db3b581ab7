"""Mastodon's profile directory, ``GET /api/v1/directory`` (docs.joinmastodon.org/methods/directory/):
``local=true`` lists this node's open accounts, otherwise the group's (every member node
asked for its own people, services/identity/people_group.py) — the group's needs a
signed-in user, so an anonymous reader gets this node's. ``offset`` and ``limit`` (default
40, at most 80) page it; the order is by name whatever ``order`` says (Archipel keeps no
per-account activity date), and the first 200 people are listed.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from services.api import upstream
from services.api.entities import account_of
from services.api.errors import api_error
from services.api.params import flag

bp = Blueprint("directory", __name__)
MOST = 200  # the directory's own page limit (services/identity/people_listing.py)


@bp.get("/api/v1/directory")
def directory():
    given = request.args
    try:
        offset, limit = int(given.get("offset", 0)), int(given.get("limit", 40))
    except (TypeError, ValueError):
        return api_error(400, "offset and limit must be numbers")
    if offset < 0 or limit < 1:
        return api_error(400, "offset must be 0 or more and limit 1 or more")
    limit = min(limit, 80)
    if offset >= MOST:
        return jsonify([])
    group = bool(g.requester.user) and not flag(given.get("local"))
    page = upstream.people({"limit": min(offset + limit, MOST)}, group=group)
    accounts = [account_of(item["actor"]) for item in page["items"][offset:offset + limit]]
    return jsonify([a for a in accounts if a is not None])
