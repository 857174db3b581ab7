"""Reject: a Follow was refused (or a follower removed). Only the followee may reject."""

from __future__ import annotations

from fedkit.protocol.vocab import REJECT
from services.inbox import follow_counts
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.follows import relation_for_answer
from services.inbox.models import IGNORED, PROCESSED


@handles(REJECT)
def on_reject(ctx: HandlerContext) -> str:
    relation = relation_for_answer(ctx.activity.object)
    if relation is None or relation.followee != ctx.activity.actor_id:
        return IGNORED
    follow_counts.remove(id=relation.id)
    username = ctx.local_username(relation.follower)
    if username:
        ctx.deliver_to_inbox([username])
    return PROCESSED
