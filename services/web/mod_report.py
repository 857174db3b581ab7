"""Reporting a post or a person (``/web/report/...``): a form with Mastodon's categories and
a comment, sent as ``POST /api/v1/reports`` (docs.joinmastodon.org/methods/reports/), then
a page saying what happens next.

A report about someone of another node goes to that node's moderators: inside the group
always (the API forwards it, services/inbox/reports.py), outside only when the reporter
ticks the box (Mastodon's ``forward``); the reporter's name never leaves this node."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from flask_babel import format_number
from flask_babel import gettext as _

from services.web.api_client import ApiError
from services.web.context import API_ID, api, api_failure, config, render, signed_in
from services.web.mod_words import category_label
from services.web.sessions import csrf_ok, current_viewer

bp = Blueprint("mod_report", __name__)

CATEGORIES = ("spam", "violation", "other")  # of Mastodon's: "legal" is the legal department's, not offered
COMMENT_MAX = 1000  # as the API (services/api/moderation.py)


def _host(account: dict) -> str:
    """The author's node: the part after ``@`` of their address ("" for this node)."""
    acct = account.get("acct") or ""
    return acct.split("@", 1)[1] if "@" in acct else ""


def _inside(host: str) -> bool:
    """Is ``host`` a node of the group (the registry, as ``/api/v1/instance/peers``)?"""
    peers = api().get("/api/v1/instance/peers").body
    return isinstance(peers, list) and host in peers


def _form(account: dict, status: dict | None, code: int = 200, **values):
    if account.get("id") == current_viewer().account_id:
        abort(404)  # one does not report oneself (the API refuses it too)
    host = _host(account)
    values.setdefault("category", "")
    values.setdefault("comment", "")
    return render("mod_report_form.html", code, account=account, status=status, host=host,
                  inside=bool(host) and _inside(host), categories=CATEGORIES, category_label=category_label,
                  comment_max=COMMENT_MAX,
                  comment_max_shown=format_number(COMMENT_MAX), **values)


@bp.get("/web/report/<status_id>")
@signed_in
def report_post(status_id: str):
    if not API_ID.fullmatch(status_id):
        abort(404)
    try:
        status = api().get(f"/api/v1/statuses/{status_id}").body
        return _form(status["account"], status)
    except ApiError as exc:
        return api_failure(exc)


@bp.get("/web/report/account/<account_id>")
@signed_in
def report_person(account_id: str):
    if not API_ID.fullmatch(account_id):
        abort(404)
    try:
        return _form(api().get(f"/api/v1/accounts/{account_id}").body, None)
    except ApiError as exc:
        return api_failure(exc)


@bp.post("/web/report")
@signed_in
def send():
    if not csrf_ok():
        abort(400)
    form = request.form
    account_id, status_id = form.get("account_id", ""), form.get("status_id", "")
    if not API_ID.fullmatch(account_id) or (status_id and not API_ID.fullmatch(status_id)):
        abort(400)
    category, comment = form.get("category", ""), form.get("comment", "").strip()
    client = api()
    try:
        account = client.get(f"/api/v1/accounts/{account_id}").body
        status = client.get(f"/api/v1/statuses/{status_id}").body if status_id else None
    except ApiError as exc:
        return api_failure(exc)
    problem = None
    if category not in CATEGORIES:
        problem = _("Please choose what is wrong.")
    elif len(comment) > COMMENT_MAX:
        problem = _("Your comment is too long: at most %(num)s characters.", num=format_number(COMMENT_MAX))
    try:
        if problem:
            return _form(account, status, 422, problem=problem, category=category, comment=comment)
        inside = bool(_host(account)) and _inside(_host(account))
        data = {"account_id": account_id, "category": category, "comment": comment,
                "forward": "true" if inside or form.get("forward") == "1" else "false"}
        if status_id:
            data["status_ids[]"] = status_id
        client.post("/api/v1/reports", data)
    except ApiError as exc:
        if exc.status == 422:  # the API's reason, with the form as typed
            return _form(account, status, 422, problem=exc.args[0], category=category, comment=comment)
        return api_failure(exc)
    return redirect(f"/web/report/sent?about={'post' if status_id else 'person'}"
                    f"&node={_host(account) or config().node_name}", 303)


@bp.get("/web/report/sent")
@signed_in
def sent():
    node = request.args.get("node", "")[:200]
    return render("mod_report_sent.html", about=request.args.get("about"), author_node=node or config().node_name)
