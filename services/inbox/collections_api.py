"""Followers, following and a user's inbox as paged OrderedCollections."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.internal import internal_client
from fedkit.vocab import AP_CONTENT_TYPE, local_actor_id, with_context
from services.inbox.models import FollowRelation, InboundActivity, InboxItem, ReceivedObject

bp = Blueprint("collections", __name__)
PAGE_SIZE = 40


def _config():
    return current_app.config["ARCHIPEL"]


def _ap(data: dict, status: int = 200):
    resp = jsonify(with_context(data))
    resp.status_code = status
    resp.headers["Content-Type"] = AP_CONTENT_TYPE
    return resp


def _not_found():
    return jsonify(error="not_found", error_description="no such collection"), 404


def _account_exists(username: str) -> bool:
    resp = internal_client().request("GET", "identity", f"/internal/accounts/{username}")
    return resp.status_code == 200 and not resp.json().get("suspended")


def _paged(collection_id: str, query, item_of, order_field: str, cursor_field: str):
    """OrderedCollection with a first page; pages continue with ?page=true&max=<cursor>."""
    total = query.count()
    if request.args.get("page") is None:
        return _ap({"id": collection_id, "type": "OrderedCollection", "totalItems": total,
                    "first": f"{collection_id}?page=true"})
    max_cursor = request.args.get("max")
    if max_cursor:
        value = int(max_cursor) if cursor_field == "seq" and max_cursor.isdigit() else max_cursor
        query = query.filter(**{f"{cursor_field}__lt": value})
    rows = list(query.order_by(order_field).limit(PAGE_SIZE))
    page = {"id": request.url.replace(request.host_url.rstrip("/"), _config().base_url),
            "type": "OrderedCollectionPage", "partOf": collection_id, "totalItems": total,
            "orderedItems": [item_of(r) for r in rows]}
    if len(rows) == PAGE_SIZE:
        page["next"] = f"{collection_id}?page=true&max={getattr(rows[-1], cursor_field)}"
    return _ap(page)


@bp.get("/users/<username>/followers")
def followers(username: str):
    if not _account_exists(username):
        return _not_found()
    actor = local_actor_id(_config().base_url, username)
    query = FollowRelation.objects(followee=actor, state="accepted")
    return _paged(f"{actor}/followers", query, lambda r: r.follower, "-follower", "follower")


@bp.get("/users/<username>/following")
def following(username: str):
    if not _account_exists(username):
        return _not_found()
    actor = local_actor_id(_config().base_url, username)
    query = FollowRelation.objects(follower=actor, state="accepted")
    return _paged(f"{actor}/following", query, lambda r: r.followee, "-followee", "followee")


def render_inbox_activity(activity_id: str) -> dict | None:
    inbound = InboundActivity.objects(activity_id=activity_id).first()
    if inbound is None:
        return None
    activity = dict(inbound.raw)
    activity.pop("@context", None)
    obj = activity.get("object")
    object_id = obj.get("id") if isinstance(obj, dict) else obj
    if isinstance(object_id, str):
        current = ReceivedObject.objects(object_id=object_id).first()
        if current is not None:  # show the latest state: edits and Tombstones included
            activity["object"] = current.raw
    return activity


@bp.get("/users/<username>/inbox")
def inbox(username: str):
    if g.requester.user != username:
        # Only the owner reads an inbox; others learn nothing about it.
        if g.requester.user is None:
            return jsonify(error="unauthorized", error_description="a bearer token is required"), 401
        return jsonify(error="forbidden", error_description="only the owner reads an inbox"), 403
    actor = local_actor_id(_config().base_url, username)
    query = InboxItem.objects(username=username)
    return _paged(f"{actor}/inbox", query, lambda r: render_inbox_activity(r.activity_id), "-seq", "seq")
