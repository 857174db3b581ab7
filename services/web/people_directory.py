"""The group's people directory page (``/web/people``): a GET form of filters (entity,
department, location, skill, free text) and the people every member node lists, as cards,
from ``GET /api/archipel/people`` with the user's token; a note names the companies whose
node did not answer. ``/web/people/open?acct=`` opens a card's person: the API resolves a
colleague this node has not met yet (``/api/v2/search?resolve=true``), then their page."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import redirect, request
from flask.blueprints import Blueprint
from flask_babel import format_number

from services.web.api_client import ApiError
from services.web.context import api, api_failure, render, signed_in

bp = Blueprint("people_directory", __name__)
FILTERS = ("q", "entity", "department", "location", "skill")
ACCT_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.-@:[]ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _page() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) <= 10_000 else 1


@bp.get("/web/people")
@signed_in
def directory():
    wanted = {name: request.args.get(name, "").strip()[:100] for name in FILTERS}
    page = _page()
    try:
        answer = api().get("/api/archipel/people", page=page, **wanted).body
    except ApiError as exc:
        return api_failure(exc)
    query = {k: v for k, v in wanted.items() if v}
    return render("people_directory.html", wanted=wanted, people=answer.get("items", []),
                  total=answer.get("total", 0), total_shown=format_number(answer.get("total", 0)),
                  unreachable=answer.get("unreachable", []), page=page,
                  newer=f"/web/people?{urlencode({**query, 'page': page - 1})}" if page > 1 else None,
                  older=f"/web/people?{urlencode({**query, 'page': page + 1})}" if answer.get("next") else None,
                  filtered=bool(query))


@bp.get("/web/people/open")
@signed_in
def open_person():
    """A card's link: the person's page, once this node knows their account."""
    acct = request.args.get("acct", "").strip().lstrip("@")
    if not acct or len(acct) > 300 or not set(acct) <= ACCT_CHARS:
        return redirect("/web/people", 303)
    try:
        found = api().get("/api/v2/search", q=f"@{acct}", type="accounts", resolve="true", limit=1).body
    except ApiError as exc:
        return api_failure(exc)
    account = (found.get("accounts") or [{}])[0] if isinstance(found, dict) else {}
    return redirect(f"/web/@{quote(account.get('acct') or acct, safe='@.-_')}", 303)
