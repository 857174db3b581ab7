"""Identity's internal endpoints for legal holds and erasures (fedkit/contracts/erasure.py);
an administrator reaches them through the api (services/api/admin_erasure.py), the
retention job through the contract's client."""

from __future__ import annotations

import requests
from flask import Blueprint, current_app, jsonify

from fedkit.contracts import erasure as contract
from fedkit.protocol.jsonbody import request_json, string_value
from fedkit.runtime.responses import error
from services.identity import erasure, legal_hold
from services.identity.models import Account

bp = Blueprint("identity_erasure", __name__)


def _reason(data: dict, limit: int) -> str | None:
    reason = string_value(data.get("reason")).strip()
    return reason if reason and len(reason) <= limit else None


def _by(data: dict) -> str:
    return string_value(data.get("by")).strip() or "unknown"


@bp.get(contract.LEGAL_HOLD)
def get_hold(username: str):
    hold = legal_hold.hold_of(username)
    return jsonify(hold.as_json()) if hold else error(404, "not_found", "no legal hold on this account")


@bp.put(contract.LEGAL_HOLD)
def place_hold(username: str):
    data = request_json()
    reason = _reason(data, legal_hold.REASON_MAX)
    if reason is None:
        return error(422, "reason_missing", f"a reason of 1 to {legal_hold.REASON_MAX} characters is required")
    if Account.objects(username=username).first() is None:
        return error(404, "not_found", "no such account")
    return jsonify(legal_hold.place(username, reason=reason, by=_by(data)).as_json())


@bp.delete(contract.LEGAL_HOLD)
def lift_hold(username: str):
    if not legal_hold.lift(username, by=_by(request_json(required=False))):
        return error(404, "not_found", "no legal hold on this account")
    return jsonify(lifted=True)


@bp.post(contract.ERASURE)
def erase(username: str):
    data = request_json()
    reason = _reason(data, erasure.REASON_MAX)
    if reason is None:
        return error(422, "reason_missing", f"a reason of 1 to {erasure.REASON_MAX} characters is required")
    try:
        record = erasure.erase(current_app.config["ARCHIPEL"], username, by=_by(data), reason=reason)
    except erasure.Held as held:
        return jsonify(error="legal_hold", legal_hold=held.hold.as_json(),
                       error_description="this account is under a legal hold: nothing is erased until "
                       "an administrator lifts it"), 409
    except requests.RequestException as exc:
        current_app.logger.warning("erasure of an account unfinished: %s", exc)
        return error(503, "erasure_unfinished", "a service could not be reached; the steps done are "
                     "kept: ask again to finish the erasure")
    if record is None:
        return error(404, "not_found", "no such account")
    return jsonify(record.as_json())
