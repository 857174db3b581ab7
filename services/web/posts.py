"""Writing and one post: the composer (text, audience with who will see it, content
warning; the data-loss prevention answers shown as they are: blocked with the rule's
message, held for review), a post's page with its thread, and the like / boost / delete
buttons (plain forms; with htmx, the post's card is swapped in place)."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, abort, g, redirect, request
from flask_babel import gettext as _

from services.web import audiences
from services.web.api_client import ApiError
from services.web.context import api, api_failure, config, instance, render, signed_in
from services.web.sessions import csrf_ok, safe_next

bp = Blueprint("posts", __name__)

ACTIONS = {"favourite", "unfavourite", "reblog", "unreblog"}
STATUS_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")  # the API's ids; nothing else goes into its paths
TAB_OF = {"group": "group", "node": "node", "public": "group"}  # where a new post shows


def _checked_form() -> None:
    if not csrf_ok():
        abort(400)


def _composer(code: int = 200, **values):
    try:
        options = audiences.offered(instance(), config().node_name)
    except ApiError as exc:
        return api_failure(exc)
    values.setdefault("chosen", audiences.default(options))
    values.setdefault("key", uuid.uuid4().hex)
    return render("compose.html", code, audiences=options, **values)


@bp.get("/web/compose")
@signed_in
def compose():
    return _composer(reply_to=None)


@bp.post("/web/compose")
@signed_in
def post():
    _checked_form()
    form = request.form
    text = (form.get("status") or "").strip()
    visibility = form.get("visibility") or ""
    reply_to = form.get("in_reply_to_id") or None
    if reply_to is not None and not STATUS_ID.fullmatch(reply_to):
        abort(400)
    kept = {"text": text, "spoiler": form.get("spoiler_text", ""), "chosen": visibility,
            "reply_to": form.get("in_reply_to_id") or None, "key": form.get("key") or uuid.uuid4().hex}
    if not text:
        return _composer(422, problem=_("Write something first."), **kept)
    data = {"status": text, "visibility": visibility, "spoiler_text": kept["spoiler"]}
    if kept["reply_to"]:
        data["in_reply_to_id"] = kept["reply_to"]
    # The form's own Idempotency-Key: a double submit (or a retry after a lost answer) posts once.
    key = (form.get("key") or "")[:100]
    try:
        answer = api().call("POST", "/api/v1/statuses", data=data, ok=(200, 202),
                            headers={"Idempotency-Key": key} if key else None)
    except ApiError as exc:
        if exc.status == 422:  # refused: the data-loss rule's message, or what is wrong
            return _composer(422, blocked=exc.args[0], **kept)
        return api_failure(exc)
    if answer.status == 202:
        held = (answer.body.get("archipel") or {}).get("held") or {}
        return render("held.html", 202, message=held.get("message") or "", text=text)
    if kept["reply_to"]:
        return redirect(f"/web/statuses/{kept['reply_to']}?notice=posted", 303)
    return redirect(f"/web/home?tab={TAB_OF.get(visibility, 'home')}&notice=posted", 303)


@bp.get("/web/statuses/<status_id>")
@signed_in
def status_page(status_id: str):
    if not STATUS_ID.fullmatch(status_id):
        abort(404)
    try:
        client = api()
        status = client.get(f"/api/v1/statuses/{status_id}").body
        context = client.get(f"/api/v1/statuses/{status_id}/context").body
        options = audiences.offered(instance(), config().node_name)
    except ApiError as exc:
        return api_failure(exc)
    shown = status.get("reblog") or status
    return render("status.html", status=shown, ancestors=context.get("ancestors", []),
                  descendants=context.get("descendants", []), audiences=options,
                  chosen=shown.get("visibility") if shown.get("visibility") in [o["value"] for o in options]
                  else audiences.default(options), notice=request.args.get("notice"),
                  key=uuid.uuid4().hex)


@bp.post("/web/statuses/<status_id>/<action>")
@signed_in
def act(status_id: str, action: str):
    _checked_form()
    if not STATUS_ID.fullmatch(status_id):
        abort(404)
    back = safe_next(request.form.get("next"))
    try:
        if action == "delete":
            api().delete(f"/api/v1/statuses/{status_id}")
            return redirect("/web/home?notice=deleted", 303)
        if action not in ACTIONS:
            abort(404)
        status = api().post(f"/api/v1/statuses/{status_id}/{action}").body
    except ApiError as exc:
        return api_failure(exc)
    if request.headers.get("HX-Request"):  # htmx: the updated card in place
        g.fragment = True
        return render("_status_fragment.html", status=status, next=back, detail=request.form.get("detail") == "1")
    return redirect(back, 303)
