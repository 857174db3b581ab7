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


@bp.get("/stats")
def stats():
    return jsonify(local_posts=LocalObject.objects(deleted=False).count())
