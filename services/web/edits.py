"""Editing one's own post (``PUT /api/v1/statuses/:id``, docs.joinmastodon.org/methods/statuses/#edit):
the form starts from what the author wrote (``/source``); the data-loss rules check an edit
as a new post (blocked: the rule's message; held: the held page). Every reader sees an
edited post marked so, with a link to its versions (``/history``)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from flask_babel import gettext as _

from services.web.api_client import ApiError
from services.web.context import API_ID, api, api_failure, render, signed_in
from services.web.sessions import csrf_ok

bp = Blueprint("edits", __name__)


def _checked(status_id: str) -> None:
    if not API_ID.fullmatch(status_id):
        abort(404)


@bp.get("/web/statuses/<status_id>/edit")
@signed_in
def edit_form(status_id: str):
    _checked(status_id)
    try:
        source = api().get(f"/api/v1/statuses/{status_id}/source").body  # the author's only (404 otherwise)
    except ApiError as exc:
        return api_failure(exc)
    return render("edit.html", status_id=status_id, text=source.get("text", ""),
                  spoiler=source.get("spoiler_text", ""))


@bp.post("/web/statuses/<status_id>/edit")
@signed_in
def save(status_id: str):
    if not csrf_ok():
        abort(400)
    _checked(status_id)
    text = (request.form.get("status") or "").strip()
    spoiler = request.form.get("spoiler_text", "")
    if not text:
        return render("edit.html", 422, status_id=status_id, text=text, spoiler=spoiler,
                      problem=_("Write something first."))
    try:
        answer = api().call("PUT", f"/api/v1/statuses/{status_id}", data={"status": text, "spoiler_text": spoiler},
                            ok=(200, 202))
    except ApiError as exc:
        if exc.status == 422:  # the data-loss rule's message, or what is wrong
            return render("edit.html", 422, status_id=status_id, text=text, spoiler=spoiler, blocked=exc.args[0])
        return api_failure(exc)
    if answer.status == 202:
        held = (answer.body.get("archipel") or {}).get("held") or {}
        return render("held.html", 202, message=held.get("message") or "", text=text)
    return redirect(f"/web/statuses/{status_id}?notice=edited", 303)


@bp.get("/web/statuses/<status_id>/history")
@signed_in
def history(status_id: str):
    _checked(status_id)
    try:
        versions = api().get(f"/api/v1/statuses/{status_id}/history").body
    except ApiError as exc:
        return api_failure(exc)
    versions = list(reversed(versions)) if isinstance(versions, list) else []  # the API: oldest first
    return render("history.html", status_id=status_id, versions=versions)
