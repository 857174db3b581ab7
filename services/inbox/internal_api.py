"""Inbox's internal API for the other services of the node (never public)."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from flask import Blueprint, current_app, jsonify, request

from fedkit.contracts import erasure as erasure_contract
from fedkit.contracts import inbox as contract
from fedkit.contracts import search
from fedkit.protocol.jsonbody import request_json, string_value
from fedkit.protocol.local_ids import local_community
from fedkit.protocol.vocab import ANNOUNCE, INVITE, LIKE, DocumentError, id_of, local_actor_id
from fedkit.runtime.responses import error
from services.inbox import search_events
from services.inbox.erasure import erase_share as erase_inbox_share
from services.inbox.follow_counts import counts_of, counts_of_each
from services.inbox.local_posts import routed
from services.inbox.models import (
    FOLLOW_ACCEPTED,
    FOLLOW_PENDING,
    FollowRelation,
    InboundActivity,
    Interaction,
    ReceivedObject,
)
from services.inbox.storing import accept_activity

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
    activity = data.get("activity")
    if data.get("object_stored") is True:  # the outbox holds the post: only its routing facts here
        activity = routed(activity)
    try:
        activity_id, created = accept_activity(activity, signer=None, local=True, also_to=also_to,
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
    answers it with Accept or Reject): received from another node, or sent by one of this
    node's communities (a local user's own Invite is nobody's invitation)."""
    found = InboundActivity.objects(activity_id=request.args.get("id", ""), activity_type=INVITE).first()
    if found is None or id_of(found.raw.get("target")) != request.args.get("invitee"):
        return jsonify(error="not_found"), 404
    if found.local and not local_community(id_of(found.raw.get("actor")), current_app.config["ARCHIPEL"].base_url):
        return jsonify(error="not_found"), 404
    return jsonify(found.raw)


# -- follow state for the client API (services/api) ----------------------------------------
def _sides(which: str) -> tuple[str, str]:
    """(the field holding the actor asked about, the field holding the listed actors)."""
    return ("followee", "follower") if which == "followers" else ("follower", "followee")


@bp.get(contract.FOLLOW_COUNTS)
def follow_counts():
    return jsonify(counts_of(request.args.get("actor", "")))


MAX_COUNTED = 80  # one page of accounts (the api's largest)


@bp.post(contract.FOLLOW_COUNTS_EACH)
def follow_counts_each():
    actors = request_json(required=False).get("actors")
    if not isinstance(actors, list) or len(actors) > MAX_COUNTED or not all(isinstance(a, str) for a in actors):
        return error(400, "invalid_request", f"post {{actors}}: at most {MAX_COUNTED} actor ids")
    return jsonify(counts=counts_of_each(actors))


def _cursor(name: str) -> ObjectId | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise ValueError(name) from None


@bp.get(contract.FOLLOWS_PAGE)
def follows_page():
    """One page of an actor's accepted followers (``which=followers``) or followees, or of
    the follow requests waiting for its approval (``which=requests``: a locked account's),
    newest first, each with its relation's id as the cursor: ``max_id`` (older than),
    ``since_id`` (newer than, newest first), ``min_id`` (just newer than, oldest first,
    returned newest first) — Mastodon's paging (docs.joinmastodon.org/api/guidelines/#pagination)."""
    which = request.args.get("which")
    if which not in ("followers", "following", "requests"):
        return error(400, "invalid_request", "which: followers, following or requests")
    try:
        limit = max(1, min(int(request.args.get("limit", "40")), 80))
        max_id, since_id, min_id = _cursor("max_id"), _cursor("since_id"), _cursor("min_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    mine, theirs = _sides("followers" if which == "requests" else which)
    state = FOLLOW_PENDING if which == "requests" else FOLLOW_ACCEPTED
    query = FollowRelation.objects(**{mine: request.args.get("actor", ""), "state": state})
    if max_id:
        query = query.filter(id__lt=max_id)
    if since_id:
        query = query.filter(id__gt=since_id)
    if min_id:
        rows = list(query.filter(id__gt=min_id).order_by("id").limit(limit))[::-1]
    else:
        rows = list(query.order_by("-id").limit(limit))
    return jsonify(items=[{"actor": getattr(r, theirs), "cursor": str(r.id)} for r in rows])


@bp.get(contract.RELATIONSHIPS)
def relationships():
    """Follow state between ``actor`` and each ``other``: {other: {following, followed_by,
    follow_id}} (``follow_id``: the id of ``actor``'s Follow, which an unfollow undoes)."""
    actor, others = request.args.get("actor", ""), request.args.getlist("other")[:80]
    out = {other: {"following": None, "followed_by": None, "follow_id": None, "notifying": False}
           for other in others}
    for r in FollowRelation.objects(follower=actor, followee__in=others):
        out[r.followee]["following"] = r.state
        out[r.followee]["follow_id"] = r.follow_activity_id
        out[r.followee]["notifying"] = bool(r.notify)
    for r in FollowRelation.objects(followee=actor, follower__in=others):
        out[r.follower]["followed_by"] = r.state
    return jsonify(out)


def _newest_first(query, limit: int, max_id, since_id, min_id) -> list:
    """Mastodon's paging over documents by their ids: ``max_id`` (older than), ``since_id``
    (newer than, newest first), ``min_id`` (just newer than: oldest first, returned newest first)."""
    if max_id:
        query = query.filter(id__lt=max_id)
    if since_id:
        query = query.filter(id__gt=since_id)
    if min_id:
        return list(query.filter(id__gt=min_id).order_by("id").limit(limit))[::-1]
    return list(query.order_by("-id").limit(limit))


@bp.get(contract.INTERACTION_ACTORS)
def interaction_actors():
    """Who liked or announced an object (the api checked the requester may see it), newest
    first, each with its Interaction's id as the cursor."""
    kind = request.args.get("kind")
    if kind not in (LIKE, ANNOUNCE):
        return error(400, "invalid_request", "kind: Like or Announce")
    try:
        limit = max(1, min(int(request.args.get("limit", "40")), 80))
        max_id, since_id, min_id = _cursor("max_id"), _cursor("since_id"), _cursor("min_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    query = Interaction.objects(object_id=request.args.get("id", ""), kind=kind)
    rows = _newest_first(query, limit, max_id, since_id, min_id)
    return jsonify(items=[{"actor": r.actor, "cursor": str(r.id)} for r in rows])


@bp.post(search.REPLAY)
def search_replay():
    """Queue the index events of a page of the received posts (fedkit/contracts/search.py: a rebuild)."""
    config = current_app.config["ARCHIPEL"]
    answer = search.replay_page(config, ReceivedObject.objects(deleted=False), "object_id", lambda row: search_events.event_of(row, config), request_json(required=False))
    return jsonify(answer) if answer is not None else error(503, "unavailable", "the index stream did not answer")


@bp.post(erasure_contract.ERASE)
def erase_share(username: str):
    """A local user's share of an erasure (fedkit/contracts/erasure.py)."""
    pseudonym = string_value(request_json(required=False).get("pseudonym"))
    if not pseudonym:
        return error(422, "pseudonym_missing", "post {pseudonym}")
    return jsonify(erased=erase_inbox_share(current_app.config["ARCHIPEL"], username, pseudonym))
