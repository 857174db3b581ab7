"""Delete: the author removes an object (a Tombstone stays in its place), a community
removes a post addressed to it (moderation, FEP-1b12), or an actor deletes itself
(its follow relations go, what it wrote becomes Tombstones), or a member node's instance
actor deletes one of its node's actors (an erasure). Anyone else — a mentioned or replied-to account included —
is ignored (fedkit.rules.authority.may_delete)."""

from __future__ import annotations

from fedkit.contracts.erasure import ErasureClient
from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.actors import CachedActor, mark_suspended
from fedkit.protocol.vocab import DELETE, audience_of
from fedkit.rules.authority import COMMUNITY, may_delete, may_erase_actor
from fedkit.rules.community_facts import is_group_actor
from fedkit.rules.registry import load_registry
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.erasure import forget_actor
from services.inbox.models import IGNORED, PROCESSED, ReceivedObject
from services.inbox.objects import local_recipients, tombstone


def _outbox_removes(ctx: HandlerContext, object_id: str, community: str) -> bool:
    """A community's moderators removed our user's post from it: the original goes too.
    The outbox checks the community's right again (defence in depth); False when it
    refuses. A failure to reach it raises, and the whole activity is retried."""
    return OutboxClient(ctx.internal).remove_for_community(object_id, community)


def _deletes_actor(ctx: HandlerContext, actor: str, object_id: str) -> bool:
    """A Delete of an actor by itself, or of an actor of a member node by that node's instance
    actor (an erasure: fedkit.rules.authority.may_erase_actor); never of one of ours."""
    if object_id == actor:
        return True
    registry = load_registry(ctx.config)
    return not ctx.is_local(object_id) and \
        may_erase_actor(actor, object_id, is_member_instance=registry.is_instance_actor) and \
        CachedActor.objects(actor_id=object_id).only("actor_id").first() is not None


@handles(DELETE)
def on_delete(ctx: HandlerContext) -> str:
    actor = ctx.activity.actor_id
    object_id = ctx.activity.object_id
    if not object_id:
        return IGNORED
    if _deletes_actor(ctx, actor, object_id):
        # Mastodon's account deletion (the object is the actor): its follows and likes go, what
        # it wrote becomes Tombstones (services/inbox/erasure.py).
        # The communities first: if they cannot be reached, the whole activity is retried.
        ErasureClient(ctx.internal).forget_actor(object_id)
        forget_actor(object_id, ctx.config)
        # Kept, marked gone (suspended) rather than dropped: its key stops resolving in every
        # process at once (a dropped entry stayed usable in the gateways' key memo), nothing
        # is delivered to it and what it wrote is hidden; a refetch finding it again clears it.
        mark_suspended(object_id)
        return PROCESSED
    record = ReceivedObject.objects(object_id=object_id).first()
    if record is None:
        return IGNORED
    authority = may_delete(actor, author=record.attributed_to, object_id=object_id,
                           addressees=audience_of(record.raw),  # a Tombstone's: none
                           is_group=lambda a: is_group_actor(a, ctx.config))
    if authority is None:
        return IGNORED
    if record.deleted:
        return PROCESSED  # already gone
    # The original first: if the outbox cannot be reached, nothing has changed yet and the
    # retried activity still finds the post addressed to the community.
    if authority == COMMUNITY and ctx.is_local(object_id) and not _outbox_removes(ctx, object_id, actor):
        return IGNORED
    tombstone(record)
    if authority == COMMUNITY:
        ctx.deliver_to_inbox(local_recipients(ctx, ctx.activity.raw))
    return PROCESSED
