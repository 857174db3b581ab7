"""Like: an actor likes an object; a local author is notified."""

from __future__ import annotations

import mongoengine as me

from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.vocab import LIKE
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.models import PROCESSED, Interaction, ReceivedObject


def record_interaction(ctx: HandlerContext, kind: str) -> str | None:
    """Store the interaction once; return the local author's username to notify, if any."""
    actor, object_id = ctx.activity.actor_id, ctx.activity.object_id
    if not actor or not object_id:
        return None
    try:
        Interaction(kind=kind, actor=actor, object_id=object_id, activity_id=ctx.activity.id).save(force_insert=True)
    except me.NotUniqueError:
        pass
    received = ReceivedObject.objects(object_id=object_id).only("attributed_to").first()
    author = received.attributed_to if received else None
    if author is None and ctx.is_local(object_id):
        # The outbox owns local objects; our copy of the Create may not be applied yet.
        author = OutboxClient(ctx.internal).object_author(object_id)
    return ctx.local_username(author)


@handles(LIKE)
def on_like(ctx: HandlerContext) -> str:
    author = record_interaction(ctx, LIKE)
    if author and ctx.local_username(ctx.activity.actor_id) != author:
        ctx.deliver_to_inbox([author])
        ctx.notify([author], "favourite", ctx.activity.object_id)
    return PROCESSED
