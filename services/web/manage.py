"""A community's managers' pages, ``/web/communities/<handle>/manage``: settings, members
(roles, removal, bans), join requests, invitations (employees, and partners until a chosen
day), and for the owner archiving and handing over ownership, each a confirmation step.

The owner and managers run it; a moderator reads the members; anyone else gets the same
404 as a community that does not exist. Every change is one call to the communities
service's API as the signed-in user (README, "Communities"), then a redirect."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from flask_babel import format_date, format_number

from services.web.context import api, render
from services.web.manage_support import (
    ROLE_WORDS,
    STAFF,
    actor_for,
    last_day,
    longest_partner_day,
    messages,
    outcome,
    person,
    send,
    staff_page,
    tab_url,
)

bp = Blueprint("manage", __name__)
ROOT = "/web/communities/<handle>/manage"
OPENNESS = ("free", "open", "closed")
VISIBILITIES = ("public", "group", "node", "members")
MEMBER_ACTIONS = ("role", "remove", "ban", "unban")


def _page(template: str, community: dict, tab: str, **values):
    return render(template, community=community, tab=tab, handle=request.view_args["handle"],
                  members_count=format_number(community.get("members", 0)), role_words=ROLE_WORDS, **messages(),
                  **values)


def _members(slug: str, state: str) -> list[dict]:
    items = api().get(f"/communities/{slug}/members", state=state).body.get("items", [])
    return [{**item, "person": person(item["actor"])} for item in items if isinstance(item, dict)]


def _act(slug: str, tab: str, body: dict, done: str):
    failed = outcome(tab, lambda: send("POST", f"/communities/{slug}/members", body))
    return failed or redirect(f"{tab_url(tab)}?done={done}", 303)


# -- settings ---------------------------------------------------------------------------
@bp.get(ROOT)
@staff_page(STAFF)
def settings(community: dict):
    if community["role"] == "moderator":  # a moderator reads the members only
        return redirect(tab_url("members"), 303)
    return _page("manage_settings.html", community, "settings", openness=OPENNESS, visibilities=VISIBILITIES)


@bp.post(ROOT)
@staff_page()
def save_settings(community: dict):
    form = request.form
    body = {"name": form.get("name", ""), "description": form.get("description", ""),
            "tags": [t.strip() for t in form.get("tags", "").replace("#", " ").replace(",", " ").split() if t.strip()],
            "admits_partners": form.get("admits_partners") == "yes"}
    for key in ("purpose", "openness", "visibility", "posting"):
        if form.get(key):
            body[key] = form[key]
    failed = outcome("", lambda: send("PATCH", f"/communities/{community['slug']}", body))
    return failed or redirect(f"{tab_url()}?done=saved", 303)


# -- members, roles and bans ------------------------------------------------------------
@bp.get(ROOT + "/members")
@staff_page(STAFF)
def members(community: dict):
    roles = ("manager", "moderator", "member") if community["role"] == "owner" else ("moderator", "member")
    return _page("manage_members.html", community, "members", members=_members(community["slug"], "member"),
                 banned=_members(community["slug"], "banned"), roles=roles)


@bp.post(ROOT + "/members")
@staff_page()
def change_member(community: dict):
    action, actor = request.form.get("action"), request.form.get("actor", "")
    if action not in MEMBER_ACTIONS or not actor:
        abort(400)
    body = {"action": action, "actor": actor}
    if action == "role":
        body["role"] = request.form.get("role", "")
    return _act(community["slug"], "members", body, action)


# -- join requests -------------------------------------------------------------------------
@bp.get(ROOT + "/requests")
@staff_page()
def requests_tab(community: dict):
    return _page("manage_requests.html", community, "requests", pending=_members(community["slug"], "pending"))


@bp.post(ROOT + "/requests")
@staff_page()
def answer_request(community: dict):
    action, actor = request.form.get("action"), request.form.get("actor", "")
    if action not in ("approve", "reject") or not actor:
        abort(400)
    return _act(community["slug"], "requests", {"action": action, "actor": actor}, action)


# -- invitations --------------------------------------------------------------------------
@bp.get(ROOT + "/invitations")
@staff_page()
def invitations(community: dict):
    invited = _members(community["slug"], "invited")
    for item in invited:
        item["until"] = last_day(item.get("expires_at")) if item.get("partner") else ""
    return _page("manage_invitations.html", community, "invitations", invited=invited,
                 longest=longest_partner_day().isoformat(), longest_words=format_date(longest_partner_day(), "long"),
                 address=request.args.get("address", ""))


@bp.post(ROOT + "/invitations")
@staff_page()
def invite(community: dict):
    action = request.form.get("action", "invite")
    if action in ("revoke", "renew"):
        actor = request.form.get("actor", "")
        if not actor:
            abort(400)
        # Withdrawing an invitation is refusing the membership it offered (the service's reject).
        body = {"action": "reject" if action == "revoke" else "renew", "actor": actor}
        return _act(community["slug"], "invitations", body, action)
    if action != "invite":
        abort(400)
    address = request.form.get("address", "")
    actor = actor_for(address)
    if actor is None:
        return redirect(f"{tab_url('invitations')}?problem=unknown_address", 303)
    body = {"action": "invite", "actor": actor}
    if request.form.get("expires_on"):
        body["expires_at"] = request.form["expires_on"]
    return _act(community["slug"], "invitations", body, "invite")


# -- archive and ownership (the owner) ------------------------------------------------------
@bp.get(ROOT + "/ownership")
@staff_page(("owner",))
def ownership(community: dict):
    heirs = [m for m in _members(community["slug"], "member") if m["local"] and m["role"] != "owner"]
    return _page("manage_ownership.html", community, "ownership", heirs=heirs)


@bp.get(ROOT + "/<any(archive, transfer):step>")
@staff_page(("owner",))
def confirm(community: dict, step: str):
    """The confirmation step: what will happen, in plain words, and one button."""
    heir = None
    if step == "transfer":
        actor = request.args.get("actor", "")
        heir = next((m for m in _members(community["slug"], "member") if m["actor"] == actor and m["local"]), None)
        if heir is None:
            return redirect(f"{tab_url('ownership')}?problem=not_a_member", 303)
    return _page("manage_confirm.html", community, "ownership", step=step, heir=heir)


@bp.post(ROOT + "/<any(archive, transfer):step>")
@staff_page(("owner",))
def confirmed(community: dict, step: str):
    slug = community["slug"]
    if step == "archive":
        failed = outcome("ownership", lambda: send("POST", f"/communities/{slug}/archive", {}))
        return failed or redirect(f"{tab_url('ownership')}?done=archived", 303)
    actor = request.form.get("actor", "")
    failed = outcome("ownership", lambda: send("POST", f"/communities/{slug}/transfer", {"actor": actor}))
    # The former owner is a manager now: the section stays theirs, without this tab.
    return failed or redirect(f"{tab_url('members')}?done=transferred", 303)
