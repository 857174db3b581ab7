"""The communities service's internal API for the other services of the node."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from fedkit.contracts import communities as contract
from fedkit.contracts import erasure as erasure_contract
from fedkit.contracts import search
from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.local_ids import local_community
from fedkit.runtime.internal import internal_client
from fedkit.runtime.responses import error
from services.communities import reconcile, search_index
from services.communities.access import (
    can_fetch_actor_document,
    can_see,
    config,
    viewer_from_params,
)
from services.communities.bans import ban
from services.communities.erasure import erase_share as erase_communities_share
from services.communities.erasure import forget_remote_actor
from services.communities.federation import handle
from services.communities.models import Community, Membership
from services.communities.moving import MoveError, move_post

bp = Blueprint("communities_internal", __name__)


def _community_by_id(iri: str) -> Community | None:
    slug = local_community(iri, config().base_url)
    return None if slug is None else Community.objects(slug=slug).first()


@bp.post(contract.INBOX)
def inbox():
    """An activity for a local community, verified and stored by the inbox service."""
    data = request_json(required=False)
    activity = data.get("activity")
    if not isinstance(activity, dict):
        return error(400, "invalid_request", "post {activity}")
    also_to = [a for a in data.get("also_to", []) if isinstance(a, str)]
    return jsonify(outcomes=handle(activity, config(), internal_client(), also_to))


@bp.post(erasure_contract.ERASE)
def erase_share(username: str):
    """A local user's share of an erasure (fedkit/contracts/erasure.py)."""
    return jsonify(erased=erase_communities_share(current_app.config["ARCHIPEL"], username))


@bp.post(erasure_contract.FORGET_ACTOR)
def forget_actor():
    """A remote actor deleted at its origin (fedkit/contracts/erasure.py)."""
    actor = request_json(required=False).get("actor")
    if not isinstance(actor, str) or not actor.startswith(("http://", "https://")):
        return error(422, "actor_missing", "post {actor}: an actor id")
    return jsonify(erased=forget_remote_actor(actor))


@bp.post(contract.BAN)
def ban_actor(slug: str):
    """A node moderator excludes an actor after a report about its post here."""
    community = Community.objects(slug=slug).first()
    actor = request_json().get("actor")
    if community is None:
        return error(404, "not_found", "no such community")
    if not isinstance(actor, str) or not actor or actor == community.owner:
        return error(422, "invalid_actor", "an actor other than the community's owner")
    found = ban(community, Membership.objects(community=slug, actor=actor).first(), actor, config(),
                internal_client())
    return jsonify(actor=actor, state=found.state if found else None)


@bp.post(contract.DIRECTORY_CHANGED)
def directory_changed():
    """Identity's news of a person the node's directory changed (or closed)."""
    data = request_json()
    actor, entry = data.get("actor"), data.get("entry")
    if not isinstance(actor, str) or not actor or not (entry is None or isinstance(entry, dict)):
        return error(422, "invalid_request", "post {actor, entry}: entry an object, or null once closed")
    done = reconcile.person_changed(actor, entry, config(), internal_client())
    return jsonify(changed={slug: {"added": plan.add, "removed": plan.remove} for slug, plan in done.items()})


@bp.get(contract.ADMITS)
def admits():
    """May this viewer see this community (and what is addressed to it)?"""
    community = _community_by_id(request.args.get("community", ""))
    if community is None:
        return error(404, "not_found", "no such community")
    viewer = viewer_from_params(request.args.get("actor"), request.args.get("kind"))
    return jsonify(admits=can_see(community, viewer),
                   actor_document=can_fetch_actor_document(community, viewer))


@bp.get(contract.READABLE_BY)
def readable_by():
    viewer = viewer_from_params(request.args.get("actor"), request.args.get("kind"))
    return jsonify(communities=search_index.readable_by(viewer))


@bp.post(contract.POST_MOVE)
def move_to_community(slug: str):
    """A moderator moves a post of this community to another one of this node."""
    data = request_json()
    object_id, target_slug = data.get("object"), data.get("to")
    if not isinstance(object_id, str) or not object_id or not isinstance(target_slug, str) or not target_slug:
        return error(400, "invalid_request", "post {object, to}: a post id and a community's slug")
    source, target = Community.objects(slug=slug).first(), Community.objects(slug=target_slug).first()
    if source is None or target is None:
        return error(404, "not_found", "no such community")
    try:
        moved = move_post(source, target, object_id, config(), internal_client())
    except MoveError as exc:
        return error(exc.status, exc.code, str(exc))
    return jsonify(object=moved, community=target.actor_id)


@bp.get(contract.WEBFINGER)
def webfinger():
    """The community behind acct:<slug>@host, if this viewer may see it."""
    community = Community.objects(slug=request.args.get("name", "")).first()
    viewer = viewer_from_params(request.args.get("actor"), request.args.get("kind"))
    if community is None or not can_see(community, viewer):
        return error(404, "not_found", "no such community")
    return jsonify(actor=community.actor_id, slug=community.slug)


@bp.post(search.REPLAY)
def search_replay():
    """Queue the index events of a page of the communities (fedkit/contracts/search.py: a rebuild)."""
    config = current_app.config["ARCHIPEL"]
    answer = search.replay_page(config, Community.objects(), "slug", lambda row: search_index.event_of(row, config), request_json(required=False))
    return jsonify(answer) if answer is not None else error(503, "unavailable", "the index stream did not answer")

