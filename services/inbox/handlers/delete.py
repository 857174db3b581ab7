"""Delete: the author removes an object (a Tombstone stays in its place), a community
removes a post addressed to it (moderation, FEP-1b12), or an actor deletes itself
(its follow relations go)."""

from __future__ import annotations

from fedkit.actors import mark_suspended
from fedkit.vocab import DELETE, audience_of
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.models import FollowRelation, Interaction, ReceivedObject
from services.inbox.objects import local_recipients, tombstone


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
        # Kept, marked gone (suspended) rather than dropped: its key stops resolving in every
        # process at once (a dropped entry stayed usable in the gateways' key memo), nothing
        # is delivered to it and what it wrote is hidden; a refetch finding it again clears it.
        mark_suspended(actor)
        return "processed"
    record = ReceivedObject.objects(object_id=object_id).first()
    by_community = record is not None and record.attributed_to != actor and actor in audience_of(record.raw)
    if record is None or (record.attributed_to != actor and not by_community):
        return "ignored"
    if not record.deleted:
        tombstone(record)
    if by_community and ctx.is_local(object_id):
        # A community's moderators removed our user's post from it: the original goes too.
        ctx.internal.post_json("outbox", "/internal/objects/remove", {"id": object_id, "community": actor})
    if by_community:
        ctx.deliver_to_inbox(local_recipients(ctx, ctx.activity.raw))
    return "processed"
