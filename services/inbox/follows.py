"""Finding the follow relation an Accept, Reject or Undo refers to."""

from __future__ import annotations

from fedkit.vocab import FOLLOW, id_of, type_of
from services.inbox.models import FollowRelation


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
