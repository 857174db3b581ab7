"""Writing and one post: the composer (text, audience with who will see it, content
warning; the data-loss prevention answers shown as they are: blocked with the rule's
message, held for review), a post's page with its thread, and the like / boost / delete
buttons (plain forms; with htmx, the post's card is swapped in place)."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, g, redirect, request
from flask_babel import gettext as _

from services.web import attachments, audiences, comm_compose, poll_form
from services.web.api_client import ApiError
from services.web.context import API_ID, api, api_failure, config, instance, render, signed_in
from services.web.sessions import csrf_ok, safe_next

bp = Blueprint("posts", __name__)

ACTIONS = {"favourite", "unfavourite", "reblog", "unreblog"}
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
    attachments.allow_files(config())
    _checked_form()
    form = request.form
    text = (form.get("status") or "").strip()
    visibility = form.get("visibility") or ""
    reply_to = form.get("in_reply_to_id") or None
    community = comm_compose.target(form)  # posted from a community's page: into it
    if community and text:
        text, visibility = comm_compose.addressed(text, visibility, community)
    if reply_to is not None and not API_ID.fullmatch(reply_to):
        abort(400)
    files, media_ids = attachments.chosen_files(), attachments.kept_ids()
    poll = poll_form.from_form(form)
    kept = {"text": text, "spoiler": form.get("spoiler_text", ""), "chosen": visibility, "reply_to": reply_to,
            "key": form.get("key") or uuid.uuid4().hex, "media_ids": media_ids, "poll": poll}
    if not text and not files and not media_ids:
        return _composer(422, problem=_("Write something first."), **kept)
    client = api()
    try:
        poll_params = poll_form.as_params(poll, with_files=bool(files or media_ids))
        attachments.check_count(files, media_ids)
        media_ids += attachments.upload(client, files, form.getlist("description"))
    except (attachments.Refused, poll_form.PollProblem) as exc:
        return _composer(422, problem=str(exc), **kept)
    except ApiError as exc:
        return api_failure(exc)
    data = {"status": text, "visibility": visibility, "spoiler_text": kept["spoiler"], "media_ids[]": media_ids,
            **poll_params}
    if reply_to:
        data["in_reply_to_id"] = reply_to
    # The form's own Idempotency-Key: a double submit (or a retry after a lost answer) posts once.
    key = (form.get("key") or "")[:100]
    try:
        answer = client.call("POST", "/api/v1/statuses", data=data, ok=(200, 202),
                             headers={"Idempotency-Key": key} if key else None)
    except ApiError as exc:
        if exc.status in (403, 422):  # refused: the data-loss rule's message, what is wrong, or
            # an announcement channel's "only moderators"; the files stay uploaded (the user's
            # own, unattached): a corrected post carries them
            return _composer(exc.status, blocked=exc.args[0], **{**kept, "media_ids": media_ids})
        return api_failure(exc)
    if answer.status == 202:
        held = (answer.body.get("archipel") or {}).get("held") or {}
        return render("held.html", 202, message=held.get("message") or "", text=text)
    if reply_to:
        return redirect(f"/web/statuses/{reply_to}?notice=posted", 303)
    if community:
        return redirect(comm_compose.page(community) + "?notice=posted", 303)
    return redirect(f"/web/home?tab={TAB_OF.get(visibility, 'home')}&notice=posted", 303)


@bp.get("/web/statuses/<status_id>")
@signed_in
def status_page(status_id: str):
    if not API_ID.fullmatch(status_id):
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
    if not API_ID.fullmatch(status_id):
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
