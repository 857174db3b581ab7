"""Search (docs.joinmastodon.org/methods/search/#v2, /methods/accounts/#search): the HTTP
side; what is found, and how, is services/api/finders.py.

As Mastodon: ``q`` is required; ``type`` narrows to accounts, statuses or hashtags;
``resolve`` (look up an unknown remote account by WebFinger) and ``offset`` need a signed-in
user; ``limit`` is 1..40 (default 20); ``following`` keeps the accounts the user follows;
``account_id`` keeps the statuses of one account.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from services.api import finders, ids
from services.api.errors import api_error
from services.api.pagination import BadPage

bp = Blueprint("search", __name__)

KINDS = ("accounts", "statuses", "hashtags")
MAX_OFFSET = 1000


def _flag(name: str) -> bool:
    return request.args.get(name, "").lower() in ("true", "1", "on")


def _number(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise BadPage(f"{name} must be a number")
    return max(low, min(int(raw), high))


def _words_or_refusal() -> tuple[str, object | None]:
    """The search words, and the answer to a search this requester may not make (or None)."""
    user = g.requester.user
    if user and not (g.requester.has_scope("read:search") or g.requester.has_scope("read:accounts")):
        return "", api_error(403, "This action is outside the authorized scopes", "needs scope read:search")
    if not user and (_flag("resolve") or _number("offset", 0, 0, MAX_OFFSET)):
        return "", api_error(401, "Search queries pagination is not supported without authentication",
                             "resolve and offset need a user's bearer token")
    query = request.args.get("q", "").strip()
    if not query:
        return "", api_error(400, "param is missing or the value is empty: q")
    return query, None


@bp.get("/api/v2/search")
def search():
    query, refused = _words_or_refusal()
    if refused:
        return refused
    kind = request.args.get("type") or None
    limit, offset = _number("limit", 20, 1, 40), _number("offset", 0, 0, MAX_OFFSET)
    resolve, signed_in = _flag("resolve"), bool(g.requester.user)
    author = None
    if request.args.get("account_id"):
        author = ids.actor_of(request.args["account_id"])
        if author is None:
            return jsonify(accounts=[], statuses=[], hashtags=[])
    wanted = KINDS if kind is None else (kind,) if kind in KINDS else ()
    return jsonify(
        accounts=finders.accounts(query, resolve=resolve and signed_in, limit=limit, offset=offset,
                                  following=_flag("following"), experts=True) if "accounts" in wanted else [],
        statuses=finders.statuses(query, resolve=resolve and signed_in, limit=limit, offset=offset, author=author)
        if "statuses" in wanted else [],
        hashtags=finders.hashtags(query, limit=limit, offset=offset) if "hashtags" in wanted else [])


@bp.get("/api/v1/accounts/search")
def accounts():
    query, refused = _words_or_refusal()
    if refused:
        return refused
    return jsonify(finders.accounts(query, resolve=_flag("resolve") and bool(g.requester.user),
                                    limit=_number("limit", 40, 1, 80), offset=_number("offset", 0, 0, MAX_OFFSET),
                                    following=_flag("following")))
