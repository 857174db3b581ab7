"""Communities for members: the group-wide directory (search, tag and purpose filters,
invitations waiting for an answer) and a community's page (about, members, posts, the
composer for members). Everything is read through the node's public APIs with the
user's token: the communities service's listing and directory (each node applies its own
visibility policy to the user) and the Mastodon client API, where a community is an
account with ``group: true``.

A community's handle is its slug on this node, ``slug@host`` on another member node."""

from __future__ import annotations

from flask import Blueprint, abort, request

from services.web import audiences, comm_words
from services.web.api_client import ApiError
from services.web.comm_lookup import account_of, find, handle_of
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

MEMBERS_SHOWN = 12  # on the community's page; the members page has the rest


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
    invited = [i for i in items if i.get("membership") == comm_words.INVITED]
    listed = [i for i in items if i.get("membership") != comm_words.INVITED]
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
        options = audiences.offered(instance(), config().node_name) if item.get("membership") == comm_words.MEMBER else []
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


@bp.app_template_global("format_number")
def _format_number(number) -> str:
    """Numbers in the reader's language (1 234, 1.234, 1,234)."""
    from flask_babel import format_number

    return format_number(number if isinstance(number, int) else 0)


@bp.app_context_processor
def _community_helpers() -> dict:
    return {"words": comm_words, "handle_of": handle_of}
