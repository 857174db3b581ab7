"""The expert finder's page (``/web/people/experts``, beside the people directory): a GET
form "who knows about…" and the people the API ranks (``GET /api/archipel/experts`` with
the user's token), each card with its evidence in words — "Declared skill: welding", the
profile text that matched, "Wrote: …" linking to the post."""

from __future__ import annotations

from flask import request
from flask.blueprints import Blueprint
from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from services.web.api_client import ApiError
from services.web.context import API_ID, api, api_failure, render, signed_in
from services.web.people_support import LABELS

bp = Blueprint("experts_pages", __name__)
SHOWN = 20
DECLARED_AS = {"skills": _l("Declared skill"), "interests": _l("Declared interest"),
               "languages": _l("Declared language"), "projects": _l("Declared project")}
PROFILE_AS = {"title": LABELS["title"], "department": LABELS["department"], "bio": _l("Bio")}


def _evidence(item: dict) -> dict | None:
    """One piece of evidence as the card shows it: {"label", "text", "href"}."""
    kind, part, text = item.get("kind"), item.get("part"), str(item.get("text") or "")
    if not text:
        return None
    if kind == "skill":
        return {"label": DECLARED_AS.get(part, _l("Declared")), "text": text, "href": None}
    if kind == "profile":
        return {"label": PROFILE_AS.get(part) or part or _l("Profile"), "text": text, "href": None}
    if kind == "post":
        status_id = str(item.get("status_id") or "")
        href = f"/web/statuses/{status_id}" if API_ID.fullmatch(status_id) else None
        return {"label": _l("Wrote"), "text": text, "href": href}
    return None


def _card(found: dict) -> dict | None:
    account = found.get("account") if isinstance(found, dict) else None
    if not isinstance(account, dict) or not account.get("acct"):
        return None
    evidence = [e for e in (_evidence(i) for i in found.get("evidence") or [] if isinstance(i, dict)) if e]
    return {"name": account.get("display_name") or account.get("username") or account["acct"],
            "account": account, "evidence": evidence}


@bp.get("/web/people/experts")
@signed_in
def experts():
    q = " ".join(request.args.get("q", "").split())[:100]
    cards = []
    if q:
        try:
            answer = api().get("/api/archipel/experts", q=q, limit=SHOWN).body
        except ApiError as exc:
            return api_failure(exc)
        cards = [c for c in (_card(f) for f in (answer if isinstance(answer, list) else [])) if c]
    return render("experts_page.html", q=q, cards=cards, count=len(cards), count_shown=format_number(len(cards)))
