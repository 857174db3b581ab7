"""Reports (docs.joinmastodon.org/methods/reports/): ``POST /api/v1/reports`` — a signed-in
user reports an account, and posts of it, they may see (services/api/moderation.py)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from services.api.auth import require_scope
from services.api.errors import api_error
from services.api.moderation import ModerationError, file_report
from services.api.params import params
from services.api.report_entities import report_entity

bp = Blueprint("reports", __name__)


@bp.post("/api/v1/reports")
@require_scope("write:reports")
def create():
    try:
        report = file_report(g.requester.user, params())
    except ModerationError as exc:
        return api_error(exc.status, exc.message, exc.description)
    return jsonify(report_entity(report))
