"""The node administrators' pages (``/web/admin``): a landing page listing the
administration pages (held posts, reports: services/web/mod_queue.py), and the posts
the data-loss prevention guard held (``/api/archipel/held``, the outbox's), each released
or rejected after a confirmation page (no JavaScript needed).

Who is an administrator is the API's answer (the held list's ``reviewer``), asked on every
page: anyone else gets the same 404 as for a page that does not exist."""

from __future__ import annotations

import json

from flask import Blueprint, abort, redirect, request
from flask_babel import format_number
from flask_babel import gettext as _

from fedkit.protocol.vocab import PUBLIC
from services.web import audiences, settings_cache
from services.web.api_client import ApiError
from services.web.context import API_ID, api, api_failure, render, signed_in
from services.web.sessions import csrf_ok, current_viewer

bp = Blueprint("admin", __name__)

HELD = "/api/archipel/held"
DECISIONS = ("release", "reject")


def _held_list() -> list[dict]:
    """The posts waiting for review; 404 for anyone but an administrator."""
    body = api().get(HELD).body
    if not isinstance(body, dict) or body.get("reviewer") is not True:
        abort(404)
    return [h for h in body.get("items", []) if isinstance(h, dict)]


def author_name(actor: str) -> str:
    """``alice`` for ``https://node/users/alice`` (held posts are this node's users')."""
    return actor.rstrip("/").rsplit("/", 1)[-1] if isinstance(actor, str) else ""


def addressee_words(uri: str, author: str) -> str:
    """Who an addressee of a held post is, in plain words where the web app knows them."""
    if uri == PUBLIC:
        return audiences.label("public")
    if uri == f"{author}/followers":
        return _("The author's followers")
    return uri


@bp.get("/web/admin")
@signed_in
def landing():
    """The pages this user may use: held posts (administrators), reports (moderators)."""
    try:
        body = api().get(HELD).body
        reports = settings_cache.moderates(current_viewer(), api(), fresh=True) in ("node", "community")
    except ApiError as exc:
        return api_failure(exc)
    reviewer = isinstance(body, dict) and body.get("reviewer") is True
    if not reviewer and not reports:
        abort(404)
    waiting = len([h for h in body.get("items", []) if isinstance(h, dict)]) if reviewer else 0
    return render("admin_landing.html", reviewer=reviewer, reports=reports, waiting=waiting,
                  waiting_shown=format_number(waiting))


@bp.get("/web/admin/held")
@signed_in
def held_posts():
    try:
        items = _held_list()
    except ApiError as exc:
        return api_failure(exc)
    return render("admin_held.html", items=items, author_name=author_name, addressee_words=addressee_words,
                  notice=request.args.get("notice"))


def _held_post(held_id: str) -> dict:
    if not API_ID.fullmatch(held_id):
        abort(404)
    _held_list()  # administrators only (the author may read their own held post, not here)
    return api().get(f"{HELD}/{held_id}").body


@bp.get("/web/admin/held/<held_id>/<any(release, reject):decision>")
@signed_in
def confirm(held_id: str, decision: str):
    try:
        held = _held_post(held_id)
    except ApiError as exc:
        return api_failure(exc)
    return render("admin_confirm.html", held=held, decision=decision, author_name=author_name,
                  addressee_words=addressee_words)


@bp.post("/web/admin/held/<held_id>/<any(release, reject):decision>")
@signed_in
def decide(held_id: str, decision: str):
    if not csrf_ok():
        abort(400)
    if not API_ID.fullmatch(held_id):
        abort(404)
    reason = (request.form.get("reason") or "").strip()[:2000]
    try:
        _held_list()
        api().call("POST", f"{HELD}/{held_id}/{decision}", ok=(200,),
                   data=json.dumps({"reason": reason} if decision == "reject" and reason else {}),
                   headers={"Content-Type": "application/json"})
    except ApiError as exc:
        if exc.status == 409:  # decided meanwhile, or the author's account is closed: say why
            return render("error.html", 409, title=_("This post was not changed"),
                          message=exc.body.get("error_description") or exc.args[0])
        return api_failure(exc)
    return redirect(f"/web/admin/held?notice={'released' if decision == 'release' else 'rejected'}", 303)
