"""Voting in a post's poll with a plain form (``POST /api/v1/polls/:id/votes``,
docs.joinmastodon.org/methods/polls/#vote); the composer's poll is services/web/poll_form.py.
The results show as counts, bars (``<progress>``) and the percentages in words
(templates/_status.html)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from flask_babel import gettext as _

from services.web.api_client import ApiError
from services.web.context import API_ID, api, api_failure, render, signed_in
from services.web.sessions import csrf_ok, safe_next

bp = Blueprint("polls", __name__)


@bp.post("/web/polls/<poll_id>/votes")
@signed_in
def vote(poll_id: str):
    if not csrf_ok():
        abort(400)
    if not API_ID.fullmatch(poll_id):
        abort(404)
    choices = [c for c in request.form.getlist("choices") if c.isdigit() and len(c) < 3]
    if not choices:
        return render("error.html", 422, title=_("Choose an answer first"), message="")
    try:
        api().post(f"/api/v1/polls/{poll_id}/votes", {"choices[]": choices})
    except ApiError as exc:
        return api_failure(exc)
    return redirect(safe_next(request.form.get("next")), 303)
