"""Subscriptions to an account's new posts: Mastodon's ``notify`` on a follow
(docs.joinmastodon.org/methods/accounts/#follow, 3.3+). The flag lives on the follow relation
the inbox owns, so the Create handler tells subscribers without asking another service; an
Undo or Reject of the follow deletes the relation, and the subscription with it."""

from __future__ import annotations

from services.inbox.context import HandlerContext
from services.inbox.follow_counts import set_state
from services.inbox.models import FOLLOW_ACCEPTED, FOLLOW_PENDING, FollowRelation


def set_notify(follower: str, followee: str, notify: bool) -> None:
    """Subscribe or not. The api sets it right after publishing a new Follow, which the inbox
    may record a moment later: the relation is then created pending here, and the Follow
    handler's upsert keeps the flag."""
    set_state(follower, followee, state_if_new=FOLLOW_PENDING, also={"notify": notify})


def subscribers(ctx: HandlerContext, author: str) -> set[str]:
    """The local users following ``author`` (accepted) who asked to be told of its posts."""
    relations = FollowRelation.objects(followee=author, state=FOLLOW_ACCEPTED).only("follower", "notify")
    return {name for r in relations if r.notify and (name := ctx.local_username(r.follower))}
