"""Follow requests to a locked account (docs.joinmastodon.org/methods/follow_requests/):
the list, a page at a time, with Accept / Reject buttons (plain forms, POST + redirect)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request

from services.web.api_client import ApiError
from services.web.context import API_ID, PAGE, api, api_failure, older_link, render, signed_in
from services.web.sessions import csrf_ok

bp = Blueprint("people_requests", __name__)


@bp.get("/web/follow-requests")
@signed_in
def follow_requests():
    try:
        answer = api().get("/api/v1/follow_requests", max_id=request.args.get("max_id"), limit=PAGE)
    except ApiError as exc:
        return api_failure(exc)
    accounts = answer.body if isinstance(answer.body, list) else []
    return render("people_requests.html", accounts=accounts, older=older_link(answer),
                  done=request.args.get("done"))


@bp.post("/web/follow-requests/<account_id>/<any(authorize, reject):answer>")
@signed_in
def answer_request(account_id: str, answer: str):
    if not csrf_ok():
        abort(400)
    if not API_ID.fullmatch(account_id):
        abort(404)
    try:
        api().post(f"/api/v1/follow_requests/{account_id}/{answer}")
    except ApiError as exc:
        return api_failure(exc)
    return redirect(f"/web/follow-requests?done={'accepted' if answer == 'authorize' else 'rejected'}", 303)
