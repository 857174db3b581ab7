"""The signed-in user's authorised apps and sessions (bearer token, through the gateway):

    GET  /api/archipel/authorizations               read:accounts   the live ones, newest first
    POST /api/archipel/authorizations/<id>/revoke   write:accounts  that token stops working at once

Each entry: ``id``, ``app`` {``name``, ``website``}, ``scopes``, ``created_at``,
``last_used_at`` (to ten minutes; null if unknown), ``current`` (the token asking)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from fedkit.runtime.internal import require_user
from fedkit.runtime.responses import error
from services.identity import authorizations
from services.identity.credentials import digest

bp = Blueprint("authorizations", __name__)
AUTHORIZATIONS = "/api/archipel/authorizations"


def _asking_token_hash() -> str | None:
    """The digest of the token this request came with (the gateway checked it and forwards
    the Authorization header unchanged)."""
    header = request.headers.get("Authorization", "")
    return digest(header[7:].strip()) if header.lower().startswith("bearer ") else None


@bp.get(AUTHORIZATIONS)
@require_user("read:accounts")
def list_authorizations():
    return jsonify(items=authorizations.listed(g.requester.user, _asking_token_hash()))


@bp.post(f"{AUTHORIZATIONS}/<authorization_id>/revoke")
@require_user("write:accounts")
def revoke(authorization_id: str):
    token = authorizations.revoke(g.requester.user, authorization_id)
    if token is None:
        return error(404, "not_found", "no such authorisation")
    return jsonify(id=authorization_id, revoked=True, current=token.access_token_hash == _asking_token_hash())
