"""Accept: the answer to a Follow. Only the followee may accept it."""

from __future__ import annotations

from fedkit.vocab import ACCEPT, FOLLOW
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.follows import follow_relation_for


@handles(ACCEPT, FOLLOW)
@handles(ACCEPT)
def on_accept(ctx: HandlerContext) -> str:
    relation = follow_relation_for(ctx.activity.object)
    if relation is None or relation.followee != ctx.activity.actor_id:
        return "ignored"
    relation.update(set__state="accepted")
    username = ctx.local_username(relation.follower)
    if username:
        ctx.deliver_to_inbox([username])
    return "processed"

