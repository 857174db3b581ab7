"""Finding this node's people for the client API's account search (services/api/search.py):
open accounts whose username, display name or profile fields (a skill, a site) a query names.

The words are found by the node's full-text index (services/search, through its contract:
every word, the last one also as the beginning of a longer word, case and accents folded);
identity then keeps the accounts still open (belt and braces: a closed account is also
removed from the index, people_index.py).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from fedkit.contracts import identity as contract
from fedkit.contracts.search import SearchClient
from fedkit.protocol.local_ids import local_username
from fedkit.runtime.internal import internal_client
from fedkit.runtime.responses import error
from services.identity.models import Account

bp = Blueprint("identity_account_search", __name__)

MAX_QUERY = 100


@bp.get(contract.ACCOUNTS_SEARCH)
def search():
    """Usernames of the open accounts ``q`` names: the exact username first, then the
    usernames it starts, then the others."""
    query = request.args.get("q", "").strip().lstrip("@").lower()[:MAX_QUERY]
    try:
        limit = max(1, min(int(request.args.get("limit", "40")), 80))
    except ValueError:
        return error(400, "invalid_request", "limit must be a number")
    if not query:
        return jsonify(items=[])
    base = current_app.config["ARCHIPEL"].base_url
    named = [local_username(a, base) for a in SearchClient(internal_client()).people(query, limit=limit * 2)]
    rows = Account.objects(username__in=[n for n in named if n], suspended__ne=True, scim_deleted__ne=True)
    found = sorted((a.username for a in rows.only("username")),
                   key=lambda name: (name != query, not name.startswith(query), name))
    return jsonify(items=found[:limit])
