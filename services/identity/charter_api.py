"""The usage charter, for the signed-in user (bearer token, through the gateway), and for
the node's api (internal):

    GET  /api/archipel/charter          read:accounts   the charter in force, the privacy
                                                        notice's figures, and the user's acceptance
    POST /api/archipel/charter/accept   write:accounts  {"version"}: accept that version, which
                                                        must be the one in force (409 if it changed)
    GET  /internal/accounts/<username>/charter          the version they last accepted (api)

The charter's texts are sanitised HTML (fedkit/rules/charter.py)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts import identity as contract
from fedkit.protocol.jsonbody import request_json, string_value
from fedkit.rules.charter import CharterError
from fedkit.runtime.internal import require_user
from fedkit.runtime.responses import error
from services.identity import charter_acceptance
from services.identity.credentials import digest
from services.identity.models import OAuthToken

bp = Blueprint("charter", __name__)


@bp.errorhandler(CharterError)
def _unreadable(exc: CharterError):
    current_app.logger.error("%s", exc)
    return error(503, "charter_unavailable", "the usage charter cannot be read now; try again later")


@bp.get(contract.CHARTER)
@require_user("read:accounts")
def charter():
    return jsonify(charter_acceptance.status(current_app.config["ARCHIPEL"], g.requester.user))


@bp.post(contract.CHARTER_ACCEPT)
@require_user("write:accounts")
def accept():
    sent = request_json(required=False) or request.form
    version = string_value(sent.get("version")).strip()
    if not version:
        return error(422, "version_missing", "send the version of the charter you accept (GET "
                     f"{contract.CHARTER} gives it)")
    config = current_app.config["ARCHIPEL"]
    header = request.headers.get("Authorization", "")  # the gateway checked it, forwards it unchanged
    token = (OAuthToken.objects(access_token_hash=digest(header[7:].strip())).only("client_id").first()
             if header.lower().startswith("bearer ") else None)
    try:
        charter_acceptance.accept(config, g.requester.user, version, client_address=request.remote_addr,
                                  client_id=token.client_id if token else None)
    except charter_acceptance.StaleVersion:
        return error(409, "charter_changed", "this is not the charter in force: read it again "
                     f"(GET {contract.CHARTER}) and accept its version")
    return jsonify(charter_acceptance.status(config, g.requester.user))


@bp.get(contract.ACCOUNT_CHARTER)
def accepted_version(username: str):
    record = charter_acceptance.latest(username)
    return jsonify(version=record.version if record else None)
