"""The app a token belongs to (``GET /api/v1/apps/verify_credentials``). Registering an
app (``POST /api/v1/apps``) stays with identity, which owns OAuth."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from services.api import converter, upstream
from services.api.errors import api_error

bp = Blueprint("apps", __name__)


@bp.get("/api/v1/apps/verify_credentials")
def verify_app_credentials():
    """Any valid token may ask (docs.joinmastodon.org/methods/apps/#verify_credentials)."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not g.requester.user or not token:
        return api_error(401, "The access token is invalid")
    app = upstream.app_of_token(token)
    if app is None:
        return api_error(401, "The access token is invalid")
    return jsonify(converter.application(app))
