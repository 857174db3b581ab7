"""Delete: the author removes an object (a Tombstone stays in its place) or an actor
deletes itself (its follow relations go)."""

from __future__ import annotations

from fedkit.actors import CachedActor
from fedkit.vocab import DELETE
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.models import FollowRelation, Interaction, ReceivedObject
from services.inbox.objects import tombstone


@handles(DELETE)
def on_delete(ctx: HandlerContext) -> str:
    actor = ctx.activity.actor_id
    object_id = ctx.activity.object_id
    if not object_id:
        return "ignored"
    if object_id == actor:
        FollowRelation.objects(follower=actor).delete()
        FollowRelation.objects(followee=actor).delete()
        Interaction.objects(actor=actor).delete()
        CachedActor.objects(actor_id=actor).delete()
        return "processed"
    record = ReceivedObject.objects(object_id=object_id).first()
    if record is None or record.attributed_to != actor:
        return "ignored"
    if not record.deleted:
        tombstone(record)
    return "processed"
