"""Followers, following and a user's inbox as paged OrderedCollections."""

from __future__ import annotations

import datetime as dt
import itertools
import logging

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts import inbox as contract
from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.paging import ordered_collection, ordered_collection_page
from fedkit.protocol.vocab import (
    ANNOUNCE,
    CREATE,
    id_of,
    local_actor_id,
    type_of,
)
from fedkit.rules.audience import in_group_stream
from fedkit.rules.policy import Viewer, viewer_of
from fedkit.rules.registry import load_registry
from fedkit.runtime.internal import internal_client
from fedkit.runtime.responses import activity_json, error
from services.inbox.interaction_counts import interactions_of
from services.inbox.models import (
    FOLLOW_ACCEPTED,
    PROCESSED,
    FollowRelation,
    InboundActivity,
    InboxItem,
    Notification,
    ReceivedObject,
)
from services.inbox.reading import (
    render_inbound,
    render_inbox_activities,
    shown_whole,
    viewer_may_see,
    without_hidden,
)
from services.inbox.windows import inbox_rows

log = logging.getLogger(__name__)
bp = Blueprint("collections", __name__)
PAGE_SIZE = 40


def _config():
    return current_app.config["ARCHIPEL"]




def _not_found():
    return error(404, "not_found", "no such collection")


def _account_exists(username: str) -> bool:
    return IdentityClient(internal_client()).active_account(username) is not None


def _paged(collection_id: str, query, item_of, order_field: str, cursor_field: str, items_of=None):
    """OrderedCollection with a first page; pages continue with ?page=true&max=<cursor>.
    ``items_of`` (rows -> items) renders a whole page at once instead of ``item_of`` each."""
    total = query.count()
    if request.args.get("page") is None:
        return activity_json(ordered_collection(collection_id, total=total, paged=True))
    max_cursor = request.args.get("max")
    if max_cursor:
        value: str | int = max_cursor
        if cursor_field == "seq":  # a number this node gave out in a "next" link
            if not (max_cursor.isascii() and max_cursor.isdigit() and len(max_cursor) <= 18):
                return error(400, "invalid_cursor", "max: the cursor of a next link")
            value = int(max_cursor)
        query = query.filter(**{f"{cursor_field}__lt": value})
    rows = list(query.order_by(order_field).limit(PAGE_SIZE))
    page_id = request.url.replace(request.host_url.rstrip("/"), _config().base_url)
    return activity_json(ordered_collection_page(
        page_id, collection_id, items_of(rows) if items_of else [item_of(r) for r in rows], total=total,
        next_cursor=getattr(rows[-1], cursor_field) if len(rows) == PAGE_SIZE else None))


@bp.get("/users/<username>/<any(followers, following):which>")
def follow_collection(username: str, which: str):
    """followers: who follows the user; following: whom the user follows (accepted only)."""
    if not _account_exists(username):
        return _not_found()
    actor = local_actor_id(_config().base_url, username)
    mine, theirs = ("followee", "follower") if which == "followers" else ("follower", "followee")
    query = FollowRelation.objects(**{mine: actor, "state": FOLLOW_ACCEPTED})
    return _paged(f"{actor}/{which}", query, lambda r: getattr(r, theirs), f"-{theirs}", theirs)


@bp.get("/users/<username>/inbox")
def inbox(username: str):
    if g.requester.user != username:
        # Only the owner reads an inbox; others learn nothing about it.
        if g.requester.user is None:
            return error(401, "unauthorized", "a bearer token is required")
        return error(403, "forbidden", "only the owner reads an inbox")
    if not g.requester.has_scope("read:statuses"):
        return error(403, "insufficient_scope", "needs scope read:statuses")
    actor = local_actor_id(_config().base_url, username)
    query = InboxItem.objects(username=username)
    return _paged(f"{actor}/inbox", query, None, "-seq", "seq",
                  items_of=lambda rows: render_inbox_activities([r.activity_id for r in rows], actor))


# -- for the client API (services/api), read as the requester it forwards ---------------------
REPLIES_LIMIT = 200
MAX_PAGE_IDS = 200  # a timeline page's posts and the posts its boosts show


def _viewer() -> Viewer:
    return viewer_of(g.requester, _config())


@bp.get(contract.OBJECT)
def received_object():
    """An object this node received (or delivered locally), if the requester may see it:
    the policy as for the inbox collection; 404 alike for missing and hidden, 410 deleted."""
    found = ReceivedObject.objects(object_id=request.args.get("id", "")).first()
    if found is None:
        return _not_found()
    if found.deleted:
        return jsonify(found.raw), 410
    if not viewer_may_see(found.raw, _viewer()):
        return _not_found()
    return jsonify(shown_whole([without_hidden(found.raw)])[0])


@bp.get(contract.REPLIES)
def replies():
    """The objects answering one (``inReplyTo``) that the requester may see, oldest first."""
    viewer = _viewer()
    rows = ReceivedObject.objects(in_reply_to=request.args.get("id", ""), deleted=False).limit(REPLIES_LIMIT)
    items = [without_hidden(r.raw) for r in rows if viewer_may_see(r.raw, viewer)]
    items.sort(key=lambda o: str(o.get("published", "")))
    return jsonify(items=shown_whole(items))


def _seq_cursor(name: str) -> int | None:
    value = request.args.get(name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ValueError(name)
    return int(value)


def _me() -> str | None:
    user = g.requester.user
    return local_actor_id(_config().base_url, user) if user else None


@bp.get(contract.INTERACTIONS)
def interactions():
    """An object's Likes and Announces as this node knows them (received, and its own users'
    delivered locally), the replies the requester may see, and the requester's own Like and
    Announce of it (their activity ids, which an Undo names)."""
    object_id = request.args.get("id", "")
    return jsonify(interactions_of([object_id], _viewer(), _me())[object_id])


@bp.post(contract.INTERACTIONS_PAGE)
def interactions_page():
    """``interactions`` for a page of objects at once: {"items": {id: …}}."""
    ids = request_json(required=False).get("ids")
    if not isinstance(ids, list) or len(ids) > MAX_PAGE_IDS or not all(isinstance(i, str) for i in ids):
        return error(400, "invalid_request", f"post {{ids}}: at most {MAX_PAGE_IDS} object ids")
    return jsonify(items=interactions_of(ids, _viewer(), _me()))


def _notification(n: Notification) -> dict:
    return {"id": str(n.seq), "type": n.type, "actor": n.actor, "object_id": n.object_id,
            "created_at": n.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",  # UTC, as Mastodon writes it
            "extra": n.extra or {}}


def _notifications_owner(username: str, scope: str):
    """None when the requester is this user with ``scope``, else the refusal to answer."""
    if g.requester.user != username or not g.requester.has_scope(scope):
        return error(403, "forbidden", f"only the owner reads their notifications, with {scope}")
    return None


@bp.get(contract.NOTIFICATIONS)
def notifications(username: str):
    """A user's notifications, newest first, cursors their ``seq`` (paging as ``home``);
    ``types``/``exclude_types`` keep or drop Mastodon's types."""
    refused = _notifications_owner(username, "read:notifications")
    if refused:
        return refused
    try:
        limit = max(1, min(int(request.args.get("limit", "40")), 80))
        max_id, since_id, min_id = _seq_cursor("max_id"), _seq_cursor("since_id"), _seq_cursor("min_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    query = Notification.objects(username=username)
    if request.args.getlist("types"):
        query = query.filter(type__in=request.args.getlist("types"))
    if request.args.getlist("exclude_types"):
        query = query.filter(type__nin=request.args.getlist("exclude_types"))
    if max_id is not None:
        query = query.filter(seq__lt=max_id)
    if since_id is not None:
        query = query.filter(seq__gt=since_id)
    if min_id is not None:
        rows = list(query.filter(seq__gt=min_id).order_by("seq").limit(limit))[::-1]
    else:
        rows = list(query.order_by("-seq").limit(limit))
    return jsonify(items=[_notification(n) for n in rows])


@bp.delete(contract.NOTIFICATIONS)
def clear_notifications(username: str):
    refused = _notifications_owner(username, "write:notifications")
    if refused:
        return refused
    Notification.objects(username=username).delete()
    return jsonify({})


@bp.route(contract.NOTIFICATION, methods=["GET", "DELETE"])
def notification(username: str, number: str):
    """One notification (GET), or dismissing it (DELETE); 404 alike for another's."""
    refused = _notifications_owner(username, "read:notifications" if request.method == "GET"
                                   else "write:notifications")
    if refused:
        return refused
    found = Notification.objects(username=username, seq=int(number)).first() if (
        number.isascii() and number.isdigit() and len(number) <= 18) else None
    if found is None:
        return _not_found()
    if request.method == "DELETE":
        found.delete()
        return jsonify({})
    return jsonify(_notification(found))


def _posts_in(rows, limit: int) -> list[tuple[InboxItem, InboundActivity]]:
    """The first ``limit`` posts (Create, Announce) among inbox ``rows`` (an iterator, in
    paging order) with their activities: follows, likes and notices share the inbox, so it
    is read ``limit`` rows at a time, at most five times ``limit`` rows deep."""
    found: list[tuple[InboxItem, InboundActivity]] = []
    for _ in range(5):
        chunk = list(itertools.islice(rows, limit))
        activities = {a.activity_id: a for a in InboundActivity.objects(activity_id__in=[r.activity_id for r in chunk])}
        found += [(r, activities[r.activity_id]) for r in chunk
                  if r.activity_id in activities and activities[r.activity_id].activity_type in (CREATE, ANNOUNCE)]
        if len(found) >= limit or len(chunk) < limit:
            break
    return found[:limit]


@bp.get(contract.HOME)
def home(username: str):
    """The posts (Create, Announce) in a user's inbox, newest first, rendered as the inbox
    collection renders them for its owner; cursors are the items' ``seq``. Mastodon's paging:
    ``max_id`` older than, ``since_id`` newer than, ``min_id`` just newer than."""
    if g.requester.user != username or not g.requester.has_scope("read:statuses"):
        return error(403, "forbidden", "only the owner reads an inbox, with read:statuses")
    try:
        limit = max(1, min(int(request.args.get("limit", "20")), 80))
        max_id, since_id, min_id = _seq_cursor("max_id"), _seq_cursor("since_id"), _seq_cursor("min_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    oldest_first = min_id is not None
    above = max((v for v in (since_id, min_id) if v is not None), default=None)
    rows = inbox_rows(username, newest_first=not oldest_first, above=above, below=max_id, batch=limit)
    posts_found = _posts_in(rows, limit)
    shown = render_inbound([inbound for _, inbound in posts_found], local_actor_id(_config().base_url, username))
    items = [{"activity": activity, "cursor": str(row.seq)}
             for (row, _), activity in zip(posts_found, shown, strict=True) if activity is not None]
    if oldest_first:
        items.reverse()
    return jsonify(items=items)


def _millis(when) -> int:
    return int(when.replace(tzinfo=when.tzinfo or dt.UTC).timestamp() * 1000)


@bp.get(contract.POSTS)
def posts():
    """Posts (Creates) this node received or delivered locally that the requester may see,
    newest first by arrival: one author's (``author``), or the group's stream (``stream``:
    posts of authors inside the group addressed to the public or to the group,
    ``fedkit.rules.audience.in_group_stream``). Cursors: arrival times in milliseconds."""
    config = _config()
    try:
        limit = max(1, min(int(request.args.get("limit", "20")), 80))
        max_id, since_id, min_id = (_seq_cursor(n) for n in ("max_id", "since_id", "min_id"))
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    as_time = lambda ms: dt.datetime.fromtimestamp(ms / 1000, dt.UTC)  # noqa: E731
    query = InboundActivity.objects(state=PROCESSED, activity_type=CREATE)
    author = request.args.get("author")
    if author:
        query = query.filter(__raw__={"raw.actor": author})
    if max_id is not None:
        query = query.filter(received_at__lt=as_time(max_id))
    if since_id is not None:
        query = query.filter(received_at__gt=as_time(since_id))
    oldest_first = min_id is not None
    query = query.filter(received_at__gt=as_time(min_id)).order_by("received_at") if oldest_first \
        else query.order_by("-received_at")
    registry = load_registry(config)
    viewer, exclude_replies = _viewer(), bool(request.args.get("exclude_replies"))
    items, seen = [], set()
    for inbound in query.only("raw", "received_at").limit(limit * 5):
        object_id = id_of(inbound.raw.get("object"))
        found = ReceivedObject.objects(object_id=object_id or "").first() if object_id not in seen else None
        seen.add(object_id)
        if found is None or found.deleted or (exclude_replies and found.in_reply_to):
            continue
        if request.args.get("stream") and not in_group_stream(found.raw, found.attributed_to, registry):
            continue  # the planner's rule: what it delivers to every member node for this stream
        if not viewer_may_see(found.raw, viewer):
            continue
        items.append({"object": without_hidden(found.raw), "cursor": str(_millis(inbound.received_at))})
        if len(items) == limit:
            break
    if oldest_first:
        items.reverse()
    shown = shown_whole([item["object"] for item in items])
    return jsonify(items=[{**item, "object": obj} for item, obj in zip(items, shown, strict=True)])


@bp.get(contract.RELAYS)
def relays():
    """A community of another node as this node knows it: its Group's Announces received
    (its members' posts relayed, FEP-1b12) and the posts this node's own people sent to it
    (the Group relays a post to every member but its author), those whose post the
    requester may see, newest first by arrival: [{"activity": the Announce naming its post
    by id, or the Create with its post; "cursor"}]. Cursors as ``posts``."""
    try:
        limit = max(1, min(int(request.args.get("limit", "20")), 80))
        max_id, since_id, min_id = (_seq_cursor(n) for n in ("max_id", "since_id", "min_id"))
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    group = request.args.get("actor", "")
    relayed = InboundActivity.objects(state=PROCESSED, activity_type=ANNOUNCE).filter(__raw__={"raw.actor": group})
    sent = InboundActivity.objects(state=PROCESSED, activity_type=CREATE, local=True).filter(
        __raw__={"$or": [{"raw.to": group}, {"raw.cc": group}]})
    viewer, items = _viewer(), []
    for inbound in sorted(_arrivals(relayed, max_id, since_id, min_id, limit * 5)
                          + _arrivals(sent, max_id, since_id, min_id, limit * 5),
                          key=lambda a: a.received_at, reverse=min_id is None):
        inner = inbound.raw.get("object")
        if isinstance(inner, dict) and type_of(inner) == CREATE:  # the member's Create, embedded
            inner = inner.get("object")
        found = ReceivedObject.objects(object_id=id_of(inner) or "").first()
        if found is None or found.deleted or not viewer_may_see(found.raw, viewer):
            continue
        keep = ("id", "type", "actor", "published", "to", "cc", "audience")
        activity = {k: inbound.raw[k] for k in keep if k in inbound.raw}
        items.append({"activity": {**activity, "object": found.object_id if inbound.activity_type == ANNOUNCE
                                   else without_hidden(found.raw)}, "cursor": str(_millis(inbound.received_at))})
        if len(items) == limit:
            break
    if min_id is not None:
        items.reverse()
    shown = shown_whole([i["activity"]["object"] for i in items if isinstance(i["activity"]["object"], dict)])
    own = {id_of(obj): obj for obj in shown}
    for item in items:
        obj = item["activity"]["object"]
        if isinstance(obj, dict):  # this node's post, as the outbox holds it
            item["activity"]["object"] = own.get(id_of(obj), obj)
    return jsonify(items=items)


def _arrivals(query, max_id: int | None, since_id: int | None, min_id: int | None, limit: int) -> list:
    """Activities of ``query`` by arrival around the cursors (milliseconds): newest first,
    or, with ``min_id``, those just after it, oldest first."""
    as_time = lambda ms: dt.datetime.fromtimestamp(ms / 1000, dt.UTC)  # noqa: E731
    if max_id is not None:
        query = query.filter(received_at__lt=as_time(max_id))
    if since_id is not None:
        query = query.filter(received_at__gt=as_time(since_id))
    query = query.filter(received_at__gt=as_time(min_id)).order_by("received_at") if min_id is not None \
        else query.order_by("-received_at")
    return list(query.only("raw", "received_at", "activity_type").limit(limit))
