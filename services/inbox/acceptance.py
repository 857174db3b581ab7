"""Thin acceptance of server-to-server deliveries: check the signer owns the actor,
store the raw activity (deduplicated by id), queue it, answer 202."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, g, request
from pymongo import WriteConcern
from pymongo.errors import BulkWriteError

from fedkit.contracts.communities import CommunitiesClient
from fedkit.contracts.identity import IdentityClient
from fedkit.db import ACKNOWLEDGED
from fedkit.internal import internal_client
from fedkit.queue import enqueue
from fedkit.responses import error
from fedkit.vocab import DocumentError, id_of, local_actor_id, parse_document
from services.inbox import intake
from services.inbox.models import INBOUND, InboundActivity
from services.inbox.objects import same_origin

bp = Blueprint("acceptance", __name__)
QUEUE = "inbox"


def _activity_id(raw: dict, doc) -> str:
    return doc.id or "urn:sha256:" + hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()


def _inbound_document(raw: dict, signer: str | None, also_to: list[str], local: bool = False,
                      plan: dict | None = None) -> tuple[str, dict]:
    """(activity id, the document to store) for a delivery; DocumentError if it is none."""
    doc = parse_document(raw)
    activity_id = _activity_id(raw, doc)
    return activity_id, InboundActivity(activity_id=activity_id, raw=raw, activity_type=doc.type, signer=signer,
                                        local=local, also_to=also_to, plan=plan).to_mongo().to_dict()


def _store(documents: dict[str, dict], broker) -> list[str]:
    """Insert the documents in one journaled write (each id once: a replay or a repeated
    delivery has no second effect) and queue the new ones; returns their ids. Raises when
    the database does not take them."""
    ids = list(documents)
    collection = InboundActivity._get_collection().with_options(write_concern=WriteConcern(**ACKNOWLEDGED))
    try:
        collection.insert_many(list(documents.values()), ordered=False)
        new = ids
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != 11000 for e in errors):
            raise
        seen = {ids[e["index"]] for e in errors}
        new = [i for i in ids if i not in seen]
    for activity_id in new:
        INBOUND.queued(activity_id, enqueue(broker, QUEUE, "process_inbound", activity_id))
    return new


def accept_activity(raw: dict, signer: str | None, *, broker, local: bool = False,
                    also_to: list[str] | None = None, plan: dict | None = None) -> tuple[str, bool]:
    """Store once and queue; returns (activity id, newly stored). For local activities
    (this node's outbox, with its audience plan) and deliveries the intake stream could not take."""
    activity_id, document = _inbound_document(raw, signer, also_to or [], local, plan)
    return activity_id, bool(_store({activity_id: document}, broker))


def accept_batch(deliveries: list[tuple[dict, str, list[str]]], broker) -> list[str]:
    """Store verified deliveries from the intake stream (intake.py) and queue the new
    ones; returns their ids. Raises when the database does not take them (the stream
    keeps them)."""
    documents: dict[str, dict] = {}
    for raw, signer, also_to in deliveries:
        activity_id, document = _inbound_document(raw, signer, also_to)
        documents.setdefault(activity_id, document)
    return _store(documents, broker) if documents else []


@bp.post("/inbox")
@bp.post("/actor/inbox")
@bp.post("/users/<username>/inbox")
@bp.post("/communities/<community>/inbox")
def receive(username: str | None = None, community: str | None = None):
    signer = g.requester.signer
    if not signer:
        return error(401, "signature_missing", "deliveries must be signed")
    base_url = current_app.config["ARCHIPEL"].base_url
    if username is not None:
        if IdentityClient(internal_client()).active_account(username) is None:
            return error(404, "not_found", "no such inbox")
    if community is not None:
        # A community the signer may not see does not exist for it (fedkit.policy).
        if not CommunitiesClient(internal_client()).admission(
                f"{base_url}/communities/{community}", signer, g.requester.viewer_kind).admits:
            return error(404, "not_found", "no such inbox")
    body = request.get_data()
    try:
        doc = parse_document(body)
    except DocumentError as exc:
        return error(exc.status, exc.code, str(exc))
    actor = id_of(doc.raw.get("actor"))
    if not actor:
        return error(400, "actor_missing", "an activity needs an actor")
    if actor != signer:
        # Only the key's owner may speak for the actor (no relayed or forged activities).
        # 403, not 401: the signature is fine, and Mastodon does not retry a 403.
        return error(403, "actor_mismatch", "the activity's actor is not the signer")
    if doc.id and not same_origin(doc.id, actor):
        # An id on another host could squat the real activity's id and make it a "replay".
        return error(400, "id_host_mismatch", "the activity id must be on the actor's host")
    # Unknown types are stored and acknowledged too; the worker marks them ignored.
    # A delivery to a personal inbox addresses its owner (how bto/bcc reach a server).
    also_to = [local_actor_id(base_url, username)] if username else \
        [f"{base_url}/communities/{community}"] if community else []
    broker = current_app.extensions["archipel_broker"]
    if not intake.offer(broker.client, current_app.config["ARCHIPEL"], body, signer, also_to):
        accept_activity(doc.raw, signer, broker=broker, also_to=also_to)
    return "", 202
