"""Accept: the answer to a Follow. Only the followee may accept it."""

from __future__ import annotations

from fedkit.protocol.actors import FetchError, get_actor
from fedkit.protocol.vocab import ACCEPT, FOLLOW, GROUP, INVITE, id_of, type_of
from fedkit.rules.community_facts import is_group_actor
from fedkit.rules.registry import load_registry
from services.inbox import follow_counts
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.follows import relation_for_answer
from services.inbox.models import FOLLOW_ACCEPTED, IGNORED, PROCESSED


@handles(ACCEPT, FOLLOW)
@handles(ACCEPT)
def on_accept(ctx: HandlerContext) -> str:
    relation = relation_for_answer(ctx.activity.object)
    if relation is None and _moved_membership(ctx):
        return PROCESSED
    if relation is None or relation.followee != ctx.activity.actor_id:
        return IGNORED
    follow_counts.set_state(relation.follower, relation.followee, state=FOLLOW_ACCEPTED, upsert=False)
    username = ctx.local_username(relation.follower)
    if username:
        ctx.deliver_to_inbox([username])
    return PROCESSED


def _moved_membership(ctx: HandlerContext) -> bool:
    """A community on a member node gave our user the membership of the actor they were
    before they moved here (services/communities/mobility.py): its Accept names a Follow in
    our user's name that this node never sent. Taken only from a Group of the group's member
    nodes (or this one's), as its relays are (fedkit/rules/registry.py)."""
    follow, group = ctx.activity.object, ctx.activity.actor_id
    if not isinstance(follow, dict) or type_of(follow) != FOLLOW or id_of(follow.get("object")) != group:
        return False
    follower = id_of(follow.get("actor"))
    if ctx.local_username(follower) is None or not (ctx.is_local(group) or load_registry(ctx.config).is_inside(group)):
        return False
    if not is_group_actor(group, ctx.config):
        return False
    follow_counts.set_state(follower, group, state=FOLLOW_ACCEPTED, activity_id=id_of(follow))
    return True


@handles(ACCEPT, INVITE)
def on_accept_invite(ctx: HandlerContext) -> str:
    """Our user accepted a community's invitation: they follow the community from now on
    (its Announces reach them). The community records the membership on its side."""
    invite = ctx.activity.object
    accepter = ctx.activity.actor_id
    if not isinstance(invite, dict) or ctx.local_username(accepter) is None or \
            id_of(invite.get("target")) != accepter:
        return IGNORED  # a remote actor's answer is the inviting community's business
    community = id_of(invite.get("actor"))
    if not community or id_of(invite.get("object")) != community:
        return IGNORED
    if not ctx.is_local(community):
        try:  # only a community's invitation makes the user follow its inviter
            if get_actor(community, ctx.config).actor_type != GROUP:
                return IGNORED
        except FetchError:
            return IGNORED
    follow_counts.set_state(accepter, community, state=FOLLOW_ACCEPTED, activity_id=ctx.activity.id)
    return PROCESSED
