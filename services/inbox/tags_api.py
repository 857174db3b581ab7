"""The inbox's hashtag endpoints (fedkit/contracts/tags.py): a local user's followed tags
(services/inbox/followed_tags.py) and the group's trending tags and a tag's history
(services/inbox/trends.py), counted from the posts the requester may see."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts import tags as contract
from fedkit.protocol.hashtags import normalized
from fedkit.rules.policy import viewer_of
from fedkit.rules.registry import load_registry
from fedkit.runtime.clock import now
from fedkit.runtime.responses import error
from services.inbox import followed_tags, trends
from services.inbox.models import ReceivedObject
from services.inbox.reading import viewer_may_see

bp = Blueprint("inbox_tags", __name__)

SCAN_LIMIT = 5000  # posts of the window looked at for the trends, newest first


def _number(name: str, default: int, top: int) -> int:
    value = request.args.get(name, "")
    return max(0, min(int(value), top)) if value.isascii() and value.isdigit() else default


def _seq(name: str) -> int | None:
    value = request.args.get(name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ValueError(name)
    return int(value)


def _name(raw: str):
    name = normalized(raw)
    return (name, None) if name else (None, error(400, "invalid_request", "not a hashtag name"))


@bp.get(contract.FOLLOWED_TAGS)
def followed(username: str):
    try:
        max_seq, since_seq, min_seq = _seq("max_id"), _seq("since_id"), _seq("min_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    rows = followed_tags.page(username, limit=max(1, _number("limit", 100, 200)), max_seq=max_seq,
                              since_seq=since_seq, min_seq=min_seq)
    return jsonify(items=[{"name": r.name, "cursor": str(r.seq)} for r in rows])


@bp.put(contract.FOLLOWED_TAG)
def follow(username: str, name: str):
    name, refused = _name(name)
    if refused:
        return refused
    followed_tags.follow(username, name)
    return jsonify(following=True)


@bp.delete(contract.FOLLOWED_TAG)
def unfollow(username: str, name: str):
    name, refused = _name(name)
    if refused:
        return refused
    followed_tags.unfollow(username, name)
    return jsonify(following=False)


def _visible_posts(when, **filters) -> list[trends.Post]:
    """The posts of the window carrying a hashtag that the requester may see, newest first."""
    viewer = viewer_of(g.requester, current_app.config["ARCHIPEL"])
    query = ReceivedObject.objects(deleted=False, seen_at__gte=trends.window_start(when), **filters)
    return [(found.raw, found.seen_at) for found in query.order_by("-seen_at").only("raw", "seen_at", "tags")
            .limit(SCAN_LIMIT) if found.tags and viewer_may_see(found.raw, viewer)]


@bp.get(contract.TAG)
def tag(name: str):
    name, refused = _name(name)
    if refused:
        return refused
    when, audience = now(), load_registry(current_app.config["ARCHIPEL"]).audience
    user = g.requester.user
    return jsonify(name=name, history=trends.history(_visible_posts(when, tags=name), audience, name, when),
                   following=bool(user and followed_tags.following(user, [name])))


@bp.get(contract.TRENDS)
def trending():
    when, audience = now(), load_registry(current_app.config["ARCHIPEL"]).audience
    limit, offset = max(1, _number("limit", 10, 20)), _number("offset", 0, 200)
    posts = _visible_posts(when)
    ranked = trends.ranked(posts, audience, when)[offset:offset + limit]
    return jsonify(items=[{"name": t.name, "history": trends.history(posts, audience, t.name, when)}
                          for t in ranked])
