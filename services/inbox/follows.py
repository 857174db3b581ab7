"""Finding the follow relation an Accept, Reject or Undo refers to."""

from __future__ import annotations

from fedkit.protocol.vocab import FOLLOW, id_of, type_of
from services.inbox import follow_counts
from services.inbox.models import FOLLOW_PENDING, FollowRelation, InboundActivity, UndoneFollow


def follow_relation_for(follow_ref) -> FollowRelation | None:
    """By the Follow's id; for an embedded Follow also by (actor, object), since some
    servers re-create the Follow with another id when they answer."""
    follow_id = id_of(follow_ref)
    if follow_id:
        relation = FollowRelation.objects(follow_activity_id=follow_id).first()
        if relation:
            return relation
    if isinstance(follow_ref, dict) and type_of(follow_ref) == FOLLOW:
        follower, followee = id_of(follow_ref.get("actor")), id_of(follow_ref.get("object"))
        if follower and followee:
            return FollowRelation.objects(follower=follower, followee=followee).first()
    return None


def relation_for_answer(follow_ref) -> FollowRelation | None:
    """The relation an Accept or Reject answers. A fast peer may answer our user's Follow
    before the worker has applied this node's own copy of it: the copy is stored (when
    the outbox handed it over, before any delivery), so the pending relation is
    recorded from it now."""
    relation = follow_relation_for(follow_ref)
    if relation is not None:
        return relation
    own = InboundActivity.objects(activity_id=id_of(follow_ref) or "", local=True, activity_type=FOLLOW).first()
    if own is None or UndoneFollow.objects(follow_activity_id=own.activity_id).first():
        return None
    follower, followee = id_of(own.raw.get("actor")), id_of(own.raw.get("object"))
    if not follower or not followee:
        return None
    follow_counts.set_state(follower, followee, state_if_new=FOLLOW_PENDING, activity_id=own.activity_id)
    return FollowRelation.objects(follower=follower, followee=followee).first()
