"""Hashtags a local user follows (Mastodon's followed tags, docs.joinmastodon.org/methods/tags/#follow):
a new post carrying one reaches their home timeline.

As on Mastodon, only what is posted (or reaches this node) after the follow is placed there —
nothing is backfilled — and only posts the whole group may see (services/inbox/trends.py's
``broadcast``: public or group audience; Mastodon: public posts). Such a post is visible to
every local user, so no per-reader policy question is needed here.
"""

from __future__ import annotations

import mongoengine as me

from fedkit.protocol.hashtags import names_of
from fedkit.rules.registry import load_registry
from fedkit.runtime.db import Document
from services.inbox.context import HandlerContext, next_seq
from services.inbox.models import now
from services.inbox.trends import broadcast


class FollowedTag(Document):
    """``username`` follows the hashtag ``name`` (normalized); ``seq`` orders their list."""

    meta = {"collection": "followed_tags",
            "indexes": [{"fields": ["username", "name"], "unique": True}, ("username", "-seq"), "name"]}
    username = me.StringField(required=True)
    name = me.StringField(required=True)
    seq = me.IntField(required=True)
    created_at = me.DateTimeField(default=now)


def follow(username: str, name: str) -> None:
    """Idempotent: following again keeps the first follow's place in the list."""
    FollowedTag.objects(username=username, name=name).update_one(
        set_on_insert__seq=next_seq(), set_on_insert__created_at=now(), upsert=True)


def unfollow(username: str, name: str) -> None:
    FollowedTag.objects(username=username, name=name).delete()


def following(username: str, names: list[str]) -> set[str]:
    """Which of ``names`` the user follows."""
    return {f.name for f in FollowedTag.objects(username=username, name__in=names).only("name")}


def page(username: str, *, limit: int, max_seq: int | None, since_seq: int | None,
         min_seq: int | None) -> list[FollowedTag]:
    """The user's followed tags, most recently followed first (oldest first from ``min_seq``)."""
    query = FollowedTag.objects(username=username)
    if max_seq is not None:
        query = query.filter(seq__lt=max_seq)
    if since_seq is not None:
        query = query.filter(seq__gt=since_seq)
    if min_seq is not None:
        return list(reversed(query.filter(seq__gt=min_seq).order_by("seq").limit(limit)))
    return list(query.order_by("-seq").limit(limit))


def tag_followers(ctx: HandlerContext, obj: dict) -> set[str]:
    """The local users following one of a new post's hashtags, when it is a post the whole
    group may see; never its author."""
    names = names_of(obj)
    if not names or not broadcast(obj, load_registry(ctx.config).audience):
        return set()
    users = {f.username for f in FollowedTag.objects(name__in=names).only("username")}
    users.discard(ctx.local_username(ctx.activity.actor_id))
    return users
