"""Legal holds and erasure on request, for the node's administrators (issue 12, "Personal
data"): a ``node_admin`` through a token with ``admin:write:accounts`` (``admin:read:accounts``
to read). Identity does the work (services/identity/legal_hold.py, erasure.py); the gateway's
audit trail records each request, and the erasure its own trail (who, when, why, the pseudonym).

    GET    /api/archipel/admin/accounts/:id              the account as an administrator sees it:
                                                         closed or not, its legal hold
    POST   /api/archipel/admin/accounts/:id/legal_hold   {reason}: place (or replace) a hold
    DELETE /api/archipel/admin/accounts/:id/legal_hold   lift it
    POST   /api/archipel/admin/accounts/:id/erase        {reason}: erase the account (409 while a
                                                         hold is on); again: finish an unfinished one
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify

from fedkit.contracts import erasure as contract
from fedkit.protocol.jsonbody import request_json, string_value
from fedkit.protocol.local_ids import local_username
from services.api import erasure, erasure_upstream, ids, upstream
from services.api.auth import require_scope
from services.api.errors import api_error, not_found
from services.api.params import params

bp = Blueprint("admin_erasure", __name__)
ADMIN_ROLE = "node_admin"
REASON_MAX = 1000


def _admin_only():
    record = upstream.local_account(g.requester.user)
    if not (record and not record.suspended and ADMIN_ROLE in record.roles):
        return api_error(403, "This action is not allowed", "for the node's administrators")
    return None


def _username(account_id: str) -> str | None:
    actor = ids.actor_of(account_id)
    return local_username(actor, current_app.config["ARCHIPEL"].base_url) if actor else None


def _reason() -> str | None:
    reason = string_value(params().get("reason")).strip()
    return reason if reason and len(reason) <= REASON_MAX else None


def _checked(account_id: str):
    """(username, None) for an administrator naming a local account; else (None, the answer)."""
    refused = _admin_only()
    if refused is not None:
        return None, refused
    username = _username(account_id)
    if username is None or upstream.local_account(username) is None:
        return None, not_found("no such account of this node")
    return username, None


@bp.get("/api/archipel/admin/accounts/<account_id>")
@require_scope("admin:read:accounts")
def show(account_id: str):
    username, refused = _checked(account_id)
    if refused is not None:
        return refused
    account = upstream.local_account(username)
    return jsonify(id=account_id, username=username, suspended=account.suspended, roles=list(account.roles),
                   legal_hold=erasure_upstream.legal_hold(username))


@bp.post("/api/archipel/admin/accounts/<account_id>/legal_hold")
@require_scope("admin:write:accounts")
def place_hold(account_id: str):
    username, refused = _checked(account_id)
    if refused is not None:
        return refused
    reason = _reason()
    if reason is None:
        return api_error(422, "Validation failed: reason is missing",
                         f"a legal hold needs a reason (1 to {REASON_MAX} characters)")
    hold = erasure_upstream.place_hold(username, reason=reason, by=f"admin:{g.requester.user}")
    return jsonify(id=account_id, legal_hold=hold) if hold else not_found("no such account of this node")


@bp.delete("/api/archipel/admin/accounts/<account_id>/legal_hold")
@require_scope("admin:write:accounts")
def lift_hold(account_id: str):
    username, refused = _checked(account_id)
    if refused is not None:
        return refused
    if not erasure_upstream.lift_hold(username, by=f"admin:{g.requester.user}"):
        return not_found("no legal hold on this account")
    return jsonify(id=account_id, legal_hold=None)


@bp.post("/api/archipel/admin/accounts/<account_id>/erase")
@require_scope("admin:write:accounts")
def erase(account_id: str):
    username, refused = _checked(account_id)
    if refused is not None:
        return refused
    if username == g.requester.user:
        return api_error(422, "Validation failed: you cannot erase your own account")
    reason = _reason()
    if reason is None:
        return api_error(422, "Validation failed: reason is missing",
                         f"an erasure needs a reason (1 to {REASON_MAX} characters)")
    try:
        outcome = erasure_upstream.erase(username, reason=reason, by=f"admin:{g.requester.user}")
    except erasure_upstream.LegalHoldOn as held:
        return jsonify(error="The account is under a legal hold", legal_hold=held.hold,
                       error_description="nothing is erased while a legal hold is on; lift it first"), 409
    if outcome is None:
        return not_found("no such account of this node")
    return jsonify(id=account_id, pseudonym=outcome.pseudonym, done=outcome.done, steps=outcome.steps)


@bp.post(contract.ERASE)
def erase_share(username: str):
    """A local user's share of an erasure (fedkit/contracts/erasure.py): identity asks."""
    pseudonym = string_value(request_json(required=False).get("pseudonym"))
    if not pseudonym:
        return api_error(422, "pseudonym_missing", "post {pseudonym}")
    return jsonify(erased=erasure.erase_share(username))
