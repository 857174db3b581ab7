"""Thin acceptance of server-to-server deliveries: check the signer owns the actor,
store the raw activity (deduplicated by id, storing.py), queue it, answer 202."""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from fedkit.contracts.communities import CommunitiesClient
from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.vocab import DocumentError, id_of, local_actor_id, parse_document
from fedkit.runtime.internal import internal_client
from fedkit.runtime.responses import error
from services.inbox import intake
from services.inbox.objects import same_origin
from services.inbox.storing import accept_activity

bp = Blueprint("acceptance", __name__)


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
        # A community the signer may not see does not exist for it (fedkit.rules.policy).
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
