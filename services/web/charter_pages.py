"""The usage charter in the web app (fedkit/rules/charter.py; identity's
``/api/archipel/charter``, with the user's own token): after sign-in, and on every page
while the version in force is not accepted, the user is sent to ``/web/charter`` — the
group's charter, the node's additions and the privacy notice (what is kept, for how long,
figures from the node's configuration) — with an "I accept" form; then back where they
were going. The client API refuses their writes meanwhile (services/api/charter_guard.py).

An acceptance seen is remembered ``ACCEPTED_SECONDS`` per browser session in this process,
so pages do not ask each time; a new version shows on the next page after that."""

from __future__ import annotations

import time
from urllib.parse import quote

from flask import Blueprint, abort, redirect, request
from markupsafe import Markup

from fedkit.contracts.identity import CHARTER, CHARTER_ACCEPT
from fedkit.protocol.sanitize import sanitize_document_html
from services.web.api_client import ApiError
from services.web.context import api, api_failure, render, signed_in
from services.web.sessions import csrf_ok, current_viewer, safe_next

bp = Blueprint("charter", __name__)

PAGE = "/web/charter"
ACCEPTED_SECONDS = 15.0
# Pages a user reaches before accepting: signing in and out, the charter, static files and
# the polled fragments (they only read).
OPEN = ("/web/static/", "/web/login", "/web/callback", "/web/logout", PAGE, "/web/fragments/")
_accepted: dict[str, float] = {}  # browser session (its id's digest) -> remembered until
REMEMBERED = 10_000  # sessions at most; beyond, the memo starts again (it is only a shortcut)


def _remember(viewer) -> None:
    if len(_accepted) >= REMEMBERED:
        _accepted.clear()
    _accepted[viewer.record.sid_hash] = time.monotonic() + ACCEPTED_SECONDS


@bp.before_app_request
def _charter_first():
    if request.path.startswith(OPEN):
        return None
    viewer = current_viewer()
    if viewer is None or _accepted.get(viewer.record.sid_hash, 0.0) > time.monotonic():
        return None
    try:
        status = api().get(CHARTER).body
    except ApiError:  # the page itself meets the same error and says it (and the API still guards writes)
        return None
    if not isinstance(status, dict) or status.get("accepted"):
        _remember(viewer)
        return None
    next_path = request.full_path.rstrip("?") if request.method == "GET" else "/"
    return redirect(f"{PAGE}?next={quote(safe_next(next_path), safe='/')}", 303)


def _page(status: dict, code: int = 200, **values):
    return render("charter.html", code, status=status, next=safe_next(request.values.get("next")),
                  charter_html=Markup(sanitize_document_html(status.get("charter_html"))),
                  additions_html=Markup(sanitize_document_html(status.get("additions_html"))),
                  privacy=status.get("privacy") or {}, **values)


@bp.get(PAGE)
@signed_in
def charter():
    try:
        status = api().get(CHARTER).body
    except ApiError as exc:
        return api_failure(exc)
    return _page(status)


@bp.post(PAGE + "/accept")
@signed_in
def accept():
    if not csrf_ok():
        abort(400)
    try:
        api().post(CHARTER_ACCEPT, {"version": request.form.get("version", "")})
    except ApiError as exc:
        if exc.status not in (409, 422):
            return api_failure(exc)
        try:  # the charter changed while it was read: show the new one
            status = api().get(CHARTER).body
        except ApiError as again:
            return api_failure(again)
        return _page(status, 409, changed=True)
    _remember(current_viewer())
    return redirect(safe_next(request.form.get("next")), 303)
