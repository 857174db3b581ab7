"""What the managers' pages of a community share (no routes; manage.py has them): the
community an address names, the viewer's standing in it as the communities service tells
the user, people's labels, addresses resolved to actors, and the words of each outcome.

Everything goes through the node's public API with the user's own token: the service
decides who may do what; these pages only hide what it would refuse."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, g, redirect, request
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from services.web.api_client import ApiError
from services.web.context import api, api_failure, config, signed_in
from services.web.sessions import csrf_ok

# A community's address in the web app: its handle (``slug``), or ``slug@host`` of this
# node (communities are run where they are hosted: a manager signs in there).
HANDLE = re.compile(r"([a-z0-9][a-z0-9_]{1,29})(?:@([A-Za-z0-9.:-]{1,255}))?")
ACCT = re.compile(r"[A-Za-z0-9_.-]{1,64}(@[A-Za-z0-9.:-]{1,255})?")
PERSON_PATH = re.compile(r"/(?:users/|@)([A-Za-z0-9_.-]{1,64})")
MANAGING = ("owner", "manager")
STAFF = ("owner", "manager", "moderator")

# Outcomes named in the address after a form (``?done=``, ``?problem=``): the page says them
# in the reader's language, and nothing a link could inject.
DONE = {
    "saved": _l("The settings are saved."), "role": _l("The role is changed."),
    "remove": _l("The member is removed."), "ban": _l("The person is banned."),
    "unban": _l("The ban is lifted."), "approve": _l("The request is accepted."),
    "reject": _l("The request is refused."), "invite": _l("The invitation is sent."),
    "revoke": _l("The invitation is withdrawn."), "renew": _l("The access is extended."),
    "archived": _l("The community is archived."), "transferred": _l("The ownership is handed over."),
}
PROBLEMS = {
    "invalid_expiry": _l("Choose a day to come, within the longest access a partner may get."),
    "no_partners": _l("This community does not admit partners from outside the group: allow them in its "
                      "settings first."),
    "partners_need_invitation": _l("A community that admits partners is joined by invitation only."),
    "conflict": _l("That person's standing does not allow this (already a member, banned, or no longer "
                   "waiting)."),
    "not_local": _l("Ownership goes to a member who works at this node."),
    "not_a_member": _l("Ownership goes to a member who works at this node."),
    "forbidden": _l("Your role in this community does not allow this."),
    "unknown_address": _l("No one was found at that address. Write it as name@server."),
    "invalid_tags": _l("Tags are short words, separated by commas."),
    "not_found": _l("That person is not, or no longer, there."),
    "members_elsewhere": _l("A community for this node only has no one from elsewhere: remove them first."),
}
ROLE_WORDS = {"owner": _l("owner"), "manager": _l("manager"), "moderator": _l("moderator"), "member": _l("member")}
OTHER_PROBLEM = _l("That did not work. Please check and try again.")


def slug_of(handle: str) -> str | None:
    found = HANDLE.fullmatch(handle)
    if found is None or (found.group(2) and found.group(2).lower() != config().host.lower()):
        return None
    return found.group(1)


def send(method: str, path: str, body: dict):
    """A JSON request to the API (the communities service reads JSON bodies)."""
    return api().call(method, path, data=json.dumps(body), headers={"Content-Type": "application/json"})


def staff_page(roles=MANAGING):
    """A page of the section for ``roles``: the view gets the community's settings (with the
    viewer's ``role``). Anyone else — a member, someone who may not see it — gets the same
    404 as a community that does not exist; a form needs its CSRF token."""

    def decorate(view):
        @wraps(view)
        @signed_in
        def wrapper(handle: str, **kwargs):
            slug = slug_of(handle)
            if slug is None:
                abort(404)
            if request.method == "POST" and not csrf_ok():
                abort(400)
            try:
                community = api().get(f"/communities/{slug}/settings").body
            except ApiError as exc:
                if exc.status in (403, 404):
                    abort(404)
                return api_failure(exc)
            if not isinstance(community, dict) or community.get("role") not in roles:
                abort(404)
            g.community, g.handle = community, handle
            try:
                return view(community, **kwargs)
            except ApiError as exc:
                return api_failure(exc)

        return wrapper

    return decorate


def tab_url(tab: str = "") -> str:
    return f"/web/communities/{g.handle}/manage" + (f"/{tab}" if tab else "")


def outcome(tab: str, call) -> object:
    """Run ``call`` (an API request); back to the tab saying what happened: a refusal the
    API explains (4xx) is said on the page, anything else is an error page."""
    try:
        call()
    except ApiError as exc:
        if exc.status in (401, 429) or exc.status >= 500:
            raise
        if exc.status == 404 and exc.args[0] != "not_found":
            raise
        return redirect(f"{tab_url(tab)}?problem={exc.args[0] if exc.args[0] in PROBLEMS else 'other'}", 303)
    return None


def messages() -> dict:
    """The outcome the address names, for the page."""
    done, problem = request.args.get("done"), request.args.get("problem")
    return {"done": DONE.get(done) if done else None,
            "problem": (PROBLEMS.get(problem, OTHER_PROBLEM) if problem else None)}


def person(actor: str) -> dict:
    """How a person is shown: ``@name`` (this node) or ``@name@server``, with their profile
    page, when their actor id has the usual form; otherwise the id itself."""
    parts = urlsplit(actor)
    found = PERSON_PATH.fullmatch(parts.path)
    if found is None or parts.query:
        return {"label": actor, "href": None}
    acct = found.group(1) if parts.netloc.lower() == config().host.lower() else f"{found.group(1)}@{parts.netloc}"
    return {"label": "@" + acct, "href": "/web/@" + acct}


def actor_for(address: str) -> str | None:
    """The actor id an address names: an actor URL as is; ``name``, ``name@server`` or
    ``@name@server`` looked up through the API (a server it does not know yet is asked by
    WebFinger: search with ``resolve``, docs.joinmastodon.org/methods/search/)."""
    address = address.strip()
    if address.startswith(("https://", "http://")) and len(address) < 2000:
        return address
    acct = address.removeprefix("@")
    if not ACCT.fullmatch(acct):
        return None
    try:
        uri = api().get("/api/v1/accounts/lookup", acct=acct).body.get("uri")
        return uri if isinstance(uri, str) else None
    except ApiError as exc:
        if exc.status != 404:
            raise
    if "@" not in acct:
        return None
    found = api().get("/api/v2/search", q="@" + acct, resolve="true", type="accounts", limit=5).body
    for account in found.get("accounts", []) if isinstance(found, dict) else []:
        if str(account.get("acct", "")).lower() == acct.lower() and isinstance(account.get("uri"), str):
            return account["uri"]
    return None


def last_day(value: str | None) -> str:
    """The last day of an access ending at ``value`` (an API date), in the reader's words:
    an access "until 30 December" ends at the first instant of the 31st (UTC)."""
    if not value:
        return ""
    try:
        ends = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return format_date((ends - dt.timedelta(seconds=1)).date(), "long")


def longest_partner_day() -> dt.date:
    """The last day a partner invited today may get (ARCHIPEL_PARTNER_MEMBERSHIP_DAYS)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=config().partner_membership_days)).date()
