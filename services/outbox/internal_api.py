"""Outbox's internal API for the other services of the node (never public)."""

from __future__ import annotations

import datetime as dt
import itertools
from urllib.parse import urlsplit

import mongoengine as me
from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts import erasure as erasure_contract
from fedkit.contracts import outbox as contract
from fedkit.contracts import search
from fedkit.protocol.actors import CachedActor, FetchError, get_actor
from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.polls import is_vote
from fedkit.protocol.vocab import CREATE, PUBLIC, id_of, is_unlisted, type_of
from fedkit.rules.audience import plan_explicit
from fedkit.rules.authority import COMMUNITY, may_delete
from fedkit.rules.community_facts import is_group_actor
from fedkit.rules.policy import is_former_employee, node_audience
from fedkit.rules.registry import load_registry
from fedkit.runtime import keystore
from fedkit.runtime.db import ACKNOWLEDGED
from fedkit.runtime.internal import internal_client
from fedkit.runtime.queue import enqueue
from fedkit.runtime.responses import error
from services.outbox import moving, objects, post_counts
from services.outbox.addressing import node_facts
from services.outbox.departed import post_shown
from services.outbox.dlp_guard import GuardStop
from services.outbox.erasure import erase_share as erase_outbox_share
from services.outbox.fanout import FANOUT, QUEUE
from services.outbox.models import LocalObject, OutboxActivity
from services.outbox.objects import public_form, served
from services.outbox.posting import publish_as
from services.outbox.publishing import PublishError
from services.outbox.visibility import can_see

bp = Blueprint("outbox_internal", __name__)
MAX_HELD_IDS = 1000  # a page of a few hundred items, each with its post and a relayed one


@bp.post(contract.SEND)
def send(username: str):
    try:
        record = publish_as(username, request_json())
    except PublishError as exc:
        return error(exc.status, exc.code, str(exc))
    return jsonify(id=record.activity_id), 201


@bp.post(contract.ACTORS_SEND)
def send_for_actor():
    """Publish an activity prepared by another service for a node actor it owns (a
    community's Accept, Announce, Invite, Delete): stored, then fanned out to exactly
    ``recipients`` (actor ids). The activity's id must be new and on this node."""
    data = request_json(required=False)
    activity, recipients = data.get("activity"), data.get("recipients")
    base_url = current_app.config["ARCHIPEL"].base_url
    if not isinstance(activity, dict) or not isinstance(recipients, list) or \
            not is_local(str(activity.get("id", "")), base_url):
        return error(400, "invalid_request", "post {activity, recipients} with an id on this node")
    actor = id_of(activity.get("actor"))
    try:
        keystore.signing_key(actor or "")
    except KeyError:
        return error(422, "unknown_actor", "the activity's actor has no key on this node")
    recipients = [r for r in recipients if isinstance(r, str)]
    plan = plan_explicit(activity, actor, recipients, node_facts(current_app.config["ARCHIPEL"]))
    record = OutboxActivity(activity_id=activity["id"], actor=actor, activity_type=type_of(activity),
                            object_id=id_of(activity.get("object")), raw=activity,
                            addressees=list(plan.addressees), explicit_recipients=True,
                            recipients=recipients, plan=plan.as_dict())
    try:
        record.save(force_insert=True, write_concern=ACKNOWLEDGED)
    except me.NotUniqueError:  # the same activity sent twice (a retried call): nothing more to do
        return jsonify(id=record.activity_id), 200
    FANOUT.queued(record.activity_id, enqueue(current_app.extensions["archipel_broker"], QUEUE, "fanout",
                                              record.activity_id))
    return jsonify(id=record.activity_id), 201


@bp.post(contract.OBJECTS_REMOVE)
def remove_by_community():
    """A community's moderators removed a local user's post addressed to it (the inbox
    saw the Group's Delete): the object becomes a Tombstone here too. Checked again here,
    whoever asks (fedkit.rules.authority.may_delete): ``community`` must be a Group the post was
    addressed to — being addressed (a mention) gives a Person no such right."""
    data = request_json(required=False)
    object_id, community = str(data.get("id", "")), str(data.get("community", ""))
    found = LocalObject.objects(object_id=object_id, deleted=False).first()
    if found is None or community not in found.addressees:
        return error(404, "not_found", "no such object addressed to that community")
    config = current_app.config["ARCHIPEL"]
    if may_delete(community, author=found.author, object_id=object_id, addressees=found.addressees,
                  is_group=lambda actor: is_group_actor(actor, config)) != COMMUNITY:
        return error(403, "not_a_group",
                     "only a community (Group actor) the post was addressed to removes it")
    objects.remove(found)
    return jsonify(removed=found.object_id)


@bp.post(contract.OBJECT_MOVE)
def move_to_community():
    """A community's moderators moved a local post to another community (services/communities
    checked who and where: fedkit/rules/community_moves.py)."""
    data = request_json()
    fields = [data.get(k) for k in ("id", "from", "to")]
    also_to = data.get("also_to", [])
    if not all(isinstance(f, str) and f for f in fields) or not isinstance(also_to, list) \
            or not all(isinstance(a, str) for a in also_to):
        return error(400, "invalid_request", "post {id, from, to, also_to[]}")
    try:
        moved = moving.move(current_app.config["ARCHIPEL"], *fields, also_to)
    except PublishError as exc:
        return error(exc.status, exc.code, str(exc))
    return jsonify(object=moved)


@bp.get(contract.OBJECT_AUTHOR)
def object_author():
    """Who wrote a local object (the inbox asks when a Like or Announce of it arrives
    before its own copy of the Create was applied)."""
    found = LocalObject.objects(object_id=request.args.get("id", "")).only("author").first()
    if found is None:
        return error(404, "not_found", "no such object")
    return jsonify(author=found.author)


@bp.post(contract.LOCAL_OBJECTS)
def held_objects():
    """The local posts among ``ids`` as this node holds them, for the inbox, which keeps only
    their routing facts and has already decided who may see them (services/inbox/local_posts.py)."""
    ids = request_json(required=False).get("ids")
    if not isinstance(ids, list) or len(ids) > MAX_HELD_IDS or not all(isinstance(i, str) for i in ids):
        return error(400, "invalid_request", f"post {{ids}}: at most {MAX_HELD_IDS} object ids")
    return jsonify(objects={i: public_form(raw) for i, raw in objects.raw_objects(ids).items()})


@bp.get(contract.STATS)
def stats():
    """The node's local posts; with ``author``, also that local actor's own (``posts``)."""
    author = request.args.get("author")
    if author:
        return jsonify(posts=post_counts.posts_of(author))
    return jsonify(local_posts=LocalObject.objects(deleted=False).count())


MAX_COUNTED = 80  # one page of accounts (the api's largest)


@bp.post(contract.STATS_EACH)
def stats_each():
    """``STATS`` with ``author``, for each of ``authors`` in one call: {"posts": {author: n}}."""
    authors = request_json(required=False).get("authors")
    if not isinstance(authors, list) or len(authors) > MAX_COUNTED or not all(isinstance(a, str) for a in authors):
        return error(400, "invalid_request", f"post {{authors}}: at most {MAX_COUNTED} actor ids")
    return jsonify(posts=post_counts.posts_of_each(authors))


@bp.post(erasure_contract.ERASE)
def erase_share(username: str):
    """A local user's share of an erasure (fedkit/contracts/erasure.py)."""
    return jsonify(erased=erase_outbox_share(current_app.config["ARCHIPEL"], username))


@bp.get(contract.REMOTE_ACTOR)
def remote_actor():
    """A remote actor's document, from the node's cache or fetched (signed by the
    instance actor, through the SSRF guard): the api shows it as an account."""
    actor_id = request.args.get("id", "")
    config = current_app.config["ARCHIPEL"]
    if not actor_id.startswith(("https://", "http://")) or is_local(actor_id, config.base_url):
        return error(404, "not_found", "not a remote actor id")
    try:
        actor = get_actor(actor_id, config)
    except FetchError as exc:
        return error(404, "not_found", f"cannot resolve that actor: {exc.code}")
    if actor.suspended and not is_former_employee(actor.raw, load_registry(config)):
        return error(410, "gone", "that actor is suspended at its origin")
    return jsonify(actor.raw)  # a former employee's too: its kept posts are shown attributed


@bp.get(contract.KNOWN_ACTOR)
def known_actor():
    """A remote actor already in the node's cache, by preferredUsername and host
    (Mastodon's accounts/lookup resolves only known accounts)."""
    username, host = request.args.get("username", ""), request.args.get("host", "").lower()
    if not username or not host:
        return error(400, "invalid_request", "username and host are required")
    for actor in CachedActor.objects(preferred_username=username, suspended__ne=True):
        if urlsplit(actor.actor_id).netloc.lower() == host:
            return jsonify(actor.raw)
    return error(404, "not_found", "no such known actor")


# -- for the client API (services/api) -------------------------------------------------------
@bp.post(contract.PUBLISH)
def publish(username: str):
    """What a C2S POST to the user's outbox does (the DLP guard first), for the client API:
    201 with the published activity, or the guard's answer as the outbox gives it to a C2S
    client (blocked 422, held 202, rules unreadable 503), or the publisher's refusal."""
    try:
        record = publish_as(username, request_json())
    except GuardStop as exc:  # blocked, held for review, rules unreadable: as a C2S client hears it
        return exc.response()
    except PublishError as exc:
        return error(exc.status, exc.code, str(exc))
    return jsonify(activity=served(record)), 201


@bp.get(contract.OBJECT)
def local_object():
    """A local object as ``GET /objects/<id>`` serves it to the same requester (the
    identity headers the api forwards): 404 alike for missing and hidden, 410 once deleted."""
    config = current_app.config["ARCHIPEL"]
    found = LocalObject.objects(object_id=request.args.get("id", "")).first()
    if found is None or not can_see(found.author, found.addressees, g.requester, config, internal_client()) \
            or not post_shown(found.author, found.addressees, config):
        return error(404, "not_found", "no such object")
    if found.deleted:
        return jsonify(found.raw), 410
    return jsonify(public_form(found.raw))


def _cursor(name: str) -> int | None:
    """A cursor of ``POSTS``: the post's creation, in milliseconds since the epoch."""
    value = request.args.get(name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 15):
        raise ValueError(name)
    return int(value)


def _millis(when) -> int:
    return int(when.replace(tzinfo=when.tzinfo or dt.UTC).timestamp() * 1000)


def _shown_posts(records: list[OutboxActivity], config, exclude_replies: bool, open_authors: dict,
                 stream: bool = False) -> list[dict]:
    """The posts of these Creates the requester may see, their objects read in one query;
    for a stream, not the unlisted ones (Mastodon's unlisted stays out of public timelines)."""
    internal = internal_client()
    visible = [r for r in records if can_see(r.actor, r.addressees, g.requester, config, internal)]
    stored = {o.object_id: o for o in LocalObject.objects(object_id__in=[r.object_id for r in visible if r.object_id])}
    shown = []
    for record in visible:
        found = stored.get(record.object_id or "")
        if found is None or found.deleted or (exclude_replies and found.raw.get("inReplyTo")):
            continue
        if stream and is_unlisted(found.raw):
            continue
        if post_shown(found.author, found.addressees, config, open_authors):
            shown.append({"object": public_form(found.raw), "cursor": str(_millis(record.created_at))})
    return shown


@bp.get(contract.POSTS)
def posts():
    """Local posts the requester may see (the policy, as for ``GET /objects/<id>``), newest
    first: one author's (``author``), or the node's stream (``stream``: posts to the public,
    the group or the node). Paged as Mastodon pages (max_id, since_id, min_id), cursors being
    the posts' creation times."""
    config = current_app.config["ARCHIPEL"]
    try:
        limit = max(1, min(int(request.args.get("limit", "20")), 80))
        max_id, since_id, min_id = _cursor("max_id"), _cursor("since_id"), _cursor("min_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    query = OutboxActivity.objects(activity_type=CREATE)
    author = request.args.get("author")
    if author:
        query = query.filter(actor=author)
    if request.args.get("stream"):
        query = query.filter(addressees__in=[PUBLIC, load_registry(config).audience,
                                             node_audience(config.base_url)])
    as_time = lambda ms: dt.datetime.fromtimestamp(ms / 1000, dt.UTC)  # noqa: E731
    if max_id is not None:
        query = query.filter(created_at__lt=as_time(max_id))
    if since_id is not None:
        query = query.filter(created_at__gt=as_time(since_id))
    oldest_first = min_id is not None
    if oldest_first:
        query = query.filter(created_at__gt=as_time(min_id)).order_by("created_at")
    else:
        query = query.order_by("-created_at")
    exclude_replies = bool(request.args.get("exclude_replies"))
    items: list[dict] = []
    records = iter(query.limit(limit * 5))
    open_authors: dict[str, bool] = {}  # each author asked about once, not once per post
    while len(items) < limit and (chunk := list(itertools.islice(records, limit))):
        items += _shown_posts(chunk, config, exclude_replies, open_authors, bool(request.args.get("stream")))
    items = items[:limit]
    if oldest_first:
        items.reverse()
    return jsonify(items=items)


@bp.post(search.REPLAY)
def search_replay():
    """Queue the index events of a page of this node's posts (fedkit/contracts/search.py: a rebuild)."""
    config = current_app.config["ARCHIPEL"]
    answer = search.replay_page(config, LocalObject.objects(deleted=False), "object_id", lambda row: None if is_vote(row.raw) else search.post_event(row.raw, row.author), request_json(required=False))
    return jsonify(answer) if answer is not None else error(503, "unavailable", "the index stream did not answer")

