"""Thin acceptance of server-to-server deliveries: check the signer owns the actor,
store the raw activity (deduplicated by id), queue it, answer 202."""

from __future__ import annotations

import hashlib
import json

import mongoengine as me
from flask import Blueprint, current_app, g, jsonify, request

from fedkit.internal import internal_client
from fedkit.queue import enqueue
from fedkit.vocab import DocumentError, id_of, parse_document
from services.inbox.models import InboundActivity

bp = Blueprint("acceptance", __name__)
QUEUE = "inbox"


def _error(status: int, code: str, message: str):
    resp = jsonify(error=code, error_description=message)
    resp.status_code = status
    return resp


def accept_activity(raw: dict, signer: str | None, *, local: bool = False) -> tuple[str, bool]:
    """Store once and queue; returns (activity id, newly stored)."""
    doc = parse_document(raw)
    activity_id = doc.id or "urn:sha256:" + hashlib.sha256(
        json.dumps(raw, sort_keys=True).encode()).hexdigest()
    try:
        InboundActivity(activity_id=activity_id, raw=raw, activity_type=doc.type, signer=signer,
                        local=local).save(force_insert=True)
    except me.NotUniqueError:
        return activity_id, False  # a replay or a repeated delivery: no second effect
    enqueue(current_app.extensions["archipel_broker"], QUEUE, "process_inbound", activity_id)
    return activity_id, True


@bp.post("/inbox")
@bp.post("/actor/inbox")
@bp.post("/users/<username>/inbox")
def receive(username: str | None = None):
    signer = g.requester.signer
    if not signer:
        return _error(401, "signature_missing", "deliveries must be signed")
    if username is not None:
        resp = internal_client().request("GET", "identity", f"/internal/accounts/{username}")
        if resp.status_code != 200 or resp.json().get("suspended"):
            return _error(404, "not_found", "no such inbox")
    try:
        doc = parse_document(request.get_data())
    except DocumentError as exc:
        return _error(400, exc.code, str(exc))
    actor = id_of(doc.raw.get("actor"))
    if not actor:
        return _error(400, "actor_missing", "an activity needs an actor")
    if actor != signer:
        # Only the key's owner may speak for the actor (no relayed or forged activities).
        return _error(401, "actor_mismatch", "the activity's actor is not the signer")
    # Unknown types are stored and acknowledged too; the worker marks them ignored.
    accept_activity(doc.raw, signer)
    return "", 202
