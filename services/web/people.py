"""A person's page (``/web/@name`` or ``/web/@name@host``): who they are, their posts,
and the follow / unfollow button."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, redirect, request

from services.web import people_support
from services.web.api_client import ApiError
from services.web.context import API_ID, PAGE, api, api_failure, older_link, render, signed_in
from services.web.sessions import csrf_ok, current_viewer

bp = Blueprint("people", __name__)


@bp.get("/web/@<path:acct>")
@signed_in
def profile(acct: str):
    client = api()
    try:
        account = client.get("/api/v1/accounts/lookup", acct=acct).body
        answer = client.get(f"/api/v1/accounts/{account['id']}/statuses", max_id=request.args.get("max_id"),
                            limit=PAGE)
        mine = account["id"] == current_viewer().account_id
        relationship = {} if mine else (client.get("/api/v1/accounts/relationships", **{"id[]": account["id"]})
                                        .body or [{}])[0]
    except ApiError as exc:
        return api_failure(exc)
    shown = people_support.own_profile(account.get("fields")) if mine else people_support.from_fields(
        account.get("fields"))
    return render("profile.html", account=account, statuses=answer.body, older=older_link(answer), mine=mine,
                  relationship=relationship, shown=shown, communities=people_support.communities_of(account))


@bp.post("/web/@<path:acct>/<any(follow, unfollow):action>")
@signed_in
def follow(acct: str, action: str):
    if not csrf_ok():
        abort(400)
    account_id = request.form.get("account_id", "")
    if not API_ID.fullmatch(account_id):
        abort(400)
    try:
        api().post(f"/api/v1/accounts/{account_id}/{action}")
    except ApiError as exc:
        return api_failure(exc)
    return redirect("/web/@" + quote(acct, safe="@:.-_"), 303)
