"""What a member does with communities: join (open), ask to join (on request), accept an
invitation, leave (after a confirmation), create one. Joining is following the
community's account in the client API (services/api/communities.py; a Group on another
node answers by itself); leaving is unfollowing it."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlsplit

from flask import Blueprint, abort, redirect, request
from flask_babel import gettext as _

from services.web import comm_words
from services.web.api_client import ApiError
from services.web.comm_lookup import account_of, checked, find, handle_of
from services.web.context import api, api_failure, render, signed_in
from services.web.sessions import csrf_ok, current_viewer

bp = Blueprint("comm_actions", __name__)

NOTICES = {"join": "joined", "ask": "asked", "accept": "joined"}


def _form_checked() -> None:
    if not csrf_ok():
        abort(400)


def _page(handle: str, notice: str) -> str:
    return f"/web/communities/{quote(handle, safe='@:.-_')}?notice={notice}"


@bp.post("/web/communities/<handle>/join")
@signed_in
def join(handle: str):
    _form_checked()
    checked(handle)
    client = api()
    try:
        item = find(handle)
        if item is None:
            abort(404)
        wanted = comm_words.action(item)
        if wanted not in NOTICES:
            return redirect(_page(handle, "unchanged"), 303)
        account = account_of(item["acct"])
        if account is not None:
            client.post(f"/api/v1/accounts/{account['id']}/follow")
        else:
            # A community of another node this node has not met yet: the same Follow, sent
            # through the user's ActivityPub outbox (the node then learns the Group).
            client.call("POST", f"/users/{current_viewer().username}/outbox",
                        data=json.dumps({"type": "Follow", "object": item["id"]}), ok=(201,),
                        headers={"Content-Type": "application/json"})
    except ApiError as exc:
        return api_failure(exc)
    return redirect(_page(handle, NOTICES[wanted]), 303)


@bp.route("/web/communities/<handle>/leave", methods=["GET", "POST"])
@signed_in
def leave(handle: str):
    """A confirmation first (GET), then the unfollow (POST)."""
    checked(handle)
    try:
        item = find(handle)
        if item is None or item.get("membership") not in (comm_words.MEMBER, comm_words.PENDING):
            abort(404)
        if request.method == "GET":
            return render("comm_leave.html", item=item, handle=handle)
        _form_checked()
        account = account_of(item["acct"])
        if account is None:
            abort(404)
        api().post(f"/api/v1/accounts/{account['id']}/unfollow")
    except ApiError as exc:
        return api_failure(exc)
    return redirect("/web/communities?notice=left", 303)


INVITE_PAGES = 5  # inbox pages (40 activities each) searched for the community's Invite


def _invitation(community_id: str) -> str | None:
    """The id of the community's Invite in the user's ActivityPub inbox (newest first)."""
    client, params = api(), {"page": "true"}
    for _page_number in range(INVITE_PAGES):
        body = client.get(f"/users/{current_viewer().username}/inbox", **params).body
        for activity in body.get("orderedItems") or []:
            if not isinstance(activity, dict) or activity.get("type") != "Invite":
                continue
            actor = activity.get("actor")
            if (actor.get("id") if isinstance(actor, dict) else actor) == community_id and \
                    isinstance(activity.get("id"), str):
                return activity["id"]
        cursor = parse_qs(urlsplit(str(body.get("next") or "")).query).get("max")
        if not cursor:
            return None
        params = {"page": "true", "max": cursor[0]}
    return None


@bp.route("/web/communities/<handle>/decline", methods=["GET", "POST"])
@signed_in
def decline(handle: str):
    """A confirmation first (GET), then the Reject of the community's Invite (POST), sent
    through the user's ActivityPub outbox: the Group withdraws the invitation."""
    checked(handle)
    try:
        item = find(handle)
        if item is None or item.get("membership") != comm_words.INVITED:
            abort(404)
        if request.method == "GET":
            return render("comm_decline.html", item=item, handle=handle)
        _form_checked()
        invite = _invitation(item["id"])
        if invite is None:
            return render("error.html", 404, title=_("Not found"),
                          message=_("The invitation was not found: it may have been withdrawn."))
        api().call("POST", f"/users/{current_viewer().username}/outbox", ok=(201,),
                   data=json.dumps({"type": "Reject", "object": invite}), headers={"Content-Type": "application/json"})
    except ApiError as exc:
        return api_failure(exc)
    return redirect("/web/communities?notice=declined", 303)


FIELDS = ("name", "slug", "description", "tags", "purpose", "openness")
PROBLEMS = {
    "name_missing": lambda: _("Give the community a name."),
    "invalid_slug": lambda: _("The handle takes 2 to 30 characters: lower-case letters, digits and _."),
    "name_taken": lambda: _("This handle is not available: choose another one."),
    "not_allowed": lambda: _("Your directory entry does not allow you to create communities."),
}


def _create_form(code: int = 200, problem: str | None = None, values: dict | None = None):
    values = values or {"purpose": "professional", "openness": "open"}
    return render("comm_create.html", code, values=values, problem=problem)


@bp.get("/web/communities/new")
@signed_in
def new():
    return _create_form()


@bp.post("/web/communities/new")
@signed_in
def create():
    _form_checked()
    values = {k: (request.form.get(k) or "").strip() for k in FIELDS}
    if values["purpose"] not in comm_words.PURPOSES or values["openness"] not in comm_words.OPENNESS:
        abort(400)
    if not values["name"]:
        return _create_form(422, PROBLEMS["name_missing"](), values)
    tags = [t.strip().lstrip("#") for t in values["tags"].replace(",", " ").split() if t.strip().lstrip("#")]
    body = {"name": values["name"], "description": values["description"], "tags": tags[:20],
            "purpose": values["purpose"], "openness": values["openness"]}
    if values["slug"]:
        body["slug"] = values["slug"].lower()
    try:
        created = api().call("POST", "/communities", data=json.dumps(body), ok=(201,),
                             headers={"Content-Type": "application/json"}).body
    except ApiError as exc:
        code = exc.body.get("error")  # the communities service's errors: {error: code, error_description}
        if exc.status in (403, 409, 422):
            problem = PROBLEMS[code]() if code in PROBLEMS else exc.body.get("error_description") or exc.args[0]
            return _create_form(422, problem, values)
        return api_failure(exc)
    return redirect(_page(handle_of(created), "created"), 303)
