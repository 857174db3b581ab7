"""Outbox's internal API for the other services of the node (never public)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from fedkit.responses import error
from services.outbox.models import LocalObject
from services.outbox.publishing import PublishError

bp = Blueprint("outbox_internal", __name__, url_prefix="/internal")


@bp.post("/users/<username>/send")
def send(username: str):
    from services.outbox.web import publish_as

    try:
        record = publish_as(username, request.get_json(silent=True))
    except PublishError as exc:
        return error(exc.status, exc.code, str(exc))
    return jsonify(id=record.activity_id), 201


@bp.get("/objects/author")
def object_author():
    """Who wrote a local object (the inbox asks when a Like or Announce of it arrives
    before its own copy of the Create was applied)."""
    found = LocalObject.objects(object_id=request.args.get("id", "")).only("author").first()
    if found is None:
        return error(404, "not_found", "no such object")
    return jsonify(author=found.author)


@bp.get("/stats")
def stats():
    return jsonify(local_posts=LocalObject.objects(deleted=False).count())
