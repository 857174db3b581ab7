"""Inbox's internal API for the other services of the node (never public)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from fedkit.contracts import inbox as contract
from fedkit.jsonbody import request_json
from fedkit.vocab import INVITE, DocumentError, id_of, local_actor_id
from services.inbox.acceptance import accept_activity
from services.inbox.models import FOLLOW_ACCEPTED, FollowRelation, InboundActivity

bp = Blueprint("inbox_internal", __name__)


@bp.get(contract.FOLLOWERS)
def follower_ids(username: str):
    actor = local_actor_id(current_app.config["ARCHIPEL"].base_url, username)
    ids = [r.follower for r in FollowRelation.objects(followee=actor, state=FOLLOW_ACCEPTED).only("follower")]
    return jsonify(followers=ids)


@bp.get(contract.IS_FOLLOWER)
def is_follower(username: str):
    actor = local_actor_id(current_app.config["ARCHIPEL"].base_url, username)
    candidate = request.args.get("actor", "")
    found = FollowRelation.objects(followee=actor, follower=candidate, state=FOLLOW_ACCEPTED).first()
    return jsonify(follower=found is not None)


@bp.post(contract.LOCAL_DELIVERY)
def local_delivery():
    """An activity published by a local actor: applied here like a received one, so
    local followers and addressees get it and follow state is recorded."""
    data = request_json(required=False)
    also_to = [a for a in data.get("also_to", []) if isinstance(a, str)]
    plan = data.get("plan") if isinstance(data.get("plan"), dict) else None  # who it reaches, decided once
    try:
        activity_id, created = accept_activity(data.get("activity"), signer=None, local=True, also_to=also_to,
                                              broker=current_app.extensions["archipel_broker"], plan=plan)
    except DocumentError as exc:
        return jsonify(error=exc.code), 400
    return jsonify(id=activity_id, created=created), 202


@bp.get(contract.FOLLOW_REQUEST)
def follow_request():
    """The Follow activity behind a (pending or accepted) relation, for Accept/Reject."""
    follow_id = request.args.get("id", "")
    relation = FollowRelation.objects(follow_activity_id=follow_id).first()
    inbound = InboundActivity.objects(activity_id=follow_id).first()
    if relation is None or inbound is None:
        return jsonify(error="not_found"), 404
    return jsonify(inbound.raw)


@bp.get(contract.FOLLOWS_ACCEPTED)
def follow_accepted():
    """Does ``follower`` follow ``followee`` (accepted)? E.g. a viewer and a remote Group."""
    follower, followee = request.args.get("follower", ""), request.args.get("followee", "")
    found = follower and followee and FollowRelation.objects(
        follower=follower, followee=followee, state=FOLLOW_ACCEPTED).first() is not None
    return jsonify(accepted=bool(found))


@bp.get(contract.INVITATION)
def invitation():
    """An Invite this node received for a local user (the outbox asks when the user
    answers it with Accept or Reject)."""
    found = InboundActivity.objects(activity_id=request.args.get("id", ""), activity_type=INVITE,
                                    local=False).first()
    if found is None or id_of(found.raw.get("target")) != request.args.get("invitee"):
        return jsonify(error="not_found"), 404
    return jsonify(found.raw)
