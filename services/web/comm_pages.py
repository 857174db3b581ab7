"""Communities for members: the group-wide directory (search, tag and purpose filters,
invitations waiting for an answer) and a community's page (about, members, posts, the
composer for members). Everything is read through the node's public APIs with the
user's token: the communities service's listing and directory (each node applies its own
visibility policy to the user) and the Mastodon client API, where a community is an
account with ``group: true``.

A community's handle is its slug on this node, ``slug@host`` on another member node."""

from __future__ import annotations

import re

from flask import Blueprint, abort, request

from services.web import audiences, comm_words
from services.web.api_client import ApiError
from services.web.context import (
    PAGE,
    api,
    api_failure,
    config,
    instance,
    older_link,
    render,
    signed_in,
)

bp = Blueprint("comm_pages", __name__)

HANDLE = re.compile(r"[a-z0-9][a-z0-9_]{1,29}(@[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?)?")
MEMBERS_SHOWN = 12  # on the community's page; the members page has the rest


def handle_of(item: dict) -> str:
    """The handle of a directory entry: its slug here, its acct elsewhere."""
    slug, _, host = str(item.get("acct", "")).partition("@")
    return slug if host.lower() == config().host.lower() else f"{slug}@{host}"


def checked(handle: str) -> tuple[str, str]:
    """(slug, acct) of a handle from a URL; 404 for anything else."""
    if not HANDLE.fullmatch(handle):
        abort(404)
    slug, _, host = handle.partition("@")
    return slug, f"{slug}@{host or config().host}"


def find(handle: str) -> dict | None:
    """The community's directory entry as the viewer may see it (None: none, or hidden).
    This node's listing answers for its own; the directory asks the other nodes."""
    slug, acct = checked(handle)
    local = acct.lower() == f"{slug}@{config().host}".lower()
    body = api().get("/communities" if local else "/communities/directory", q=slug).body
    items = body.get("items", []) if isinstance(body, dict) else []
    return next((i for i in items if isinstance(i, dict) and str(i.get("acct", "")).lower() == acct.lower()), None)


def account_of(acct: str) -> dict | None:
    """The community's account in the client API, or None while this node does not know a
    community of another node (it learns it when someone here joins)."""
    try:
        return api().get("/api/v1/accounts/lookup", acct=acct).body
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise


@bp.get("/web/communities")
@signed_in
def directory():
    filters = {k: (request.args.get(k) or "").strip()[:100] for k in ("q", "tag", "purpose")}
    if filters["purpose"] not in comm_words.PURPOSES:
        filters["purpose"] = ""
    try:
        body = api().get("/communities/directory", **filters).body
    except ApiError as exc:
        return api_failure(exc)
    items = [i for i in body.get("items", []) if isinstance(i, dict) and i.get("acct")]
    items.sort(key=lambda i: (str(i.get("name", "")).lower(), i["acct"]))
    invited = [i for i in items if i.get("membership") == "invited"]
    listed = [i for i in items if i.get("membership") != "invited"]
    return render("comm_directory.html", items=listed, invited=invited, filters=filters,
                  unreachable=body.get("unreachable") or [], notice=request.args.get("notice"))


@bp.get("/web/communities/<handle>")
@signed_in
def community(handle: str):
    try:
        item = find(handle)
        if item is None:
            abort(404)
        account = account_of(item["acct"])
        statuses, older, members = [], None, []
        if account is not None:
            answer = api().get(f"/api/v1/accounts/{account['id']}/statuses", max_id=request.args.get("max_id"),
                               limit=PAGE)
            statuses, older = answer.body, older_link(answer)
            members = api().get(f"/api/v1/accounts/{account['id']}/followers", limit=MEMBERS_SHOWN).body
        options = audiences.offered(instance(), config().node_name) if item.get("membership") == "member" else []
    except ApiError as exc:
        return api_failure(exc)
    return render("comm_page.html", item=item, handle=handle, account=account, statuses=statuses, older=older,
                  members=members, more_members=len(members) >= MEMBERS_SHOWN, paged=bool(request.args.get("max_id")),
                  audiences=[comm_words.community_option(item), *options] if options else [], chosen="community",
                  community=handle, notice=request.args.get("notice"))


@bp.get("/web/communities/<handle>/members")
@signed_in
def members(handle: str):
    try:
        item = find(handle)
        account = account_of(item["acct"]) if item else None
        if account is None:
            abort(404)
        answer = api().get(f"/api/v1/accounts/{account['id']}/followers", max_id=request.args.get("max_id"),
                           limit=40)
    except ApiError as exc:
        return api_failure(exc)
    more = answer.links.get("next", {}).get("max_id") if len(answer.body) >= 40 else None
    return render("comm_members.html", item=item, handle=handle, members=answer.body, older=more)
