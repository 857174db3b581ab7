"""Undo: of a Follow (unfollow), a Like or an Announce. Only the original actor may undo."""

from __future__ import annotations

from fedkit.protocol.vocab import ANNOUNCE, FOLLOW, LIKE, UNDO, id_of, type_of
from services.inbox import follow_counts
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.follows import follow_relation_for
from services.inbox.models import IGNORED, PROCESSED, Interaction, UndoneFollow


@handles(UNDO)
def on_undo(ctx: HandlerContext) -> str:
    actor = ctx.activity.actor_id
    inner = ctx.activity.object
    inner_type = type_of(inner)
    if inner_type == FOLLOW or inner_type is None:
        if inner_type == FOLLOW and id_of(inner) and id_of(inner.get("actor")) == actor:
            # Remembered even when the Follow has not been applied yet (it may come late).
            UndoneFollow.objects(follow_activity_id=id_of(inner)).update_one(
                set_on_insert__follower=actor, upsert=True)
        relation = follow_relation_for(inner)
        if relation is not None and relation.follower == actor:
            follow_counts.remove(id=relation.id)
            return PROCESSED
        if inner_type == FOLLOW and id_of(inner.get("actor")) == actor:
            return PROCESSED
    if inner_type in (LIKE, ANNOUNCE) or inner_type is None:
        query = {"actor": actor}
        if isinstance(inner, dict) and id_of(inner.get("object")):
            query.update(kind=inner_type, object_id=id_of(inner.get("object")))
        elif id_of(inner):
            query["activity_id"] = id_of(inner)
        else:
            return IGNORED
        if Interaction.objects(**query).delete():
            return PROCESSED
    return IGNORED
