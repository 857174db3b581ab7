"""Finding this node's people for the client API's account search (services/api/search.py):
open accounts whose username or display name a query names.

Matching is ``matches`` alone (a prefix of the username or of a word of the display name,
any case) over the accounts in Python: the username is the indexed ``_id``, on which
SecantusDB answers no regex (DESIGN.md, known gaps). The directory's search engine
replaces it later.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from fedkit.contracts import identity as contract
from fedkit.runtime.responses import error
from services.identity.models import Account

bp = Blueprint("identity_account_search", __name__)

SCAN_LIMIT = 20000
MAX_QUERY = 100


def matches(query: str, username: str, display_name: str) -> bool:
    return username.startswith(query) or any(w.startswith(query) for w in display_name.lower().split())


@bp.get(contract.ACCOUNTS_SEARCH)
def search():
    """Usernames of the open accounts ``q`` names, exact username first, then by name."""
    query = request.args.get("q", "").strip().lstrip("@").lower()[:MAX_QUERY]
    try:
        limit = max(1, min(int(request.args.get("limit", "40")), 80))
    except ValueError:
        return error(400, "invalid_request", "limit must be a number")
    if not query:
        return jsonify(items=[])
    rows = Account.objects(suspended__ne=True, scim_deleted__ne=True).only("username", "display_name")
    found = sorted((a.username for a in rows.limit(SCAN_LIMIT) if matches(query, a.username, a.display_name or "")),
                   key=lambda name: (name != query, name))
    return jsonify(items=found[:limit])
