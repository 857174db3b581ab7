"""Finding this node's people for the client API's account search (services/api/search.py):
open accounts whose username, display name or profile fields (a skill, a site) a query names.

Matching is ``matches`` alone (a prefix of the username or of a word of the display name
or of a field's value, any case) over the accounts in Python: the username is the indexed ``_id``, on which
SecantusDB answers no regex (DESIGN.md, known gaps). The directory's search engine
replaces it later.
"""

from __future__ import annotations

import html
import re

from flask import Blueprint, jsonify, request

from fedkit.contracts import identity as contract
from fedkit.runtime.responses import error
from services.identity.models import Account

bp = Blueprint("identity_account_search", __name__)

SCAN_LIMIT = 20000
MAX_QUERY = 100


def _words(account: Account) -> list[str]:
    """The words a person is found by besides their username: their name, and what their
    profile fields say (skills, site…: the directory's "find an expert")."""
    text = " ".join([account.display_name or "", *(account.skills or []), *(account.interests or []),
                     *(account.projects or [])] + [html.unescape(str(f.get("value", "")))
                                                   for f in account.profile_fields or [] if isinstance(f, dict)])
    return re.findall(r"\w[\w.-]*", text.lower())


def matches(query: str, account: Account) -> bool:
    return account.username.startswith(query) or any(w.startswith(query) for w in _words(account))


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
    rows = Account.objects(suspended__ne=True, scim_deleted__ne=True).only(
        "username", "display_name", "profile_fields", "skills", "interests", "projects")
    found = sorted((a.username for a in rows.limit(SCAN_LIMIT) if matches(query, a)),
                   key=lambda name: (name != query, not name.startswith(query), name))
    return jsonify(items=found[:limit])
