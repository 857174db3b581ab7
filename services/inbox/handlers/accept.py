"""Accept: the answer to a Follow. Only the followee may accept it.

A community of the group may also enrol our user without a Follow of theirs: a dynamic
community's Group (its members are those the group directory names, e.g. a department)
sends the Accept of a Follow in their name when its rule takes them in
(services/communities/reconcile.py), as it does when a manager approves a request. Only a
Group of this node or of a member node of the group may: the directory is the group's.
"""

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
    if relation is None:
        return _enrolment(ctx)
    if relation.followee != ctx.activity.actor_id:
        return IGNORED
    follow_counts.set_state(relation.follower, relation.followee, state=FOLLOW_ACCEPTED, upsert=False)
    username = ctx.local_username(relation.follower)
    if username:
        ctx.deliver_to_inbox([username])
    return PROCESSED


def _enrolment(ctx: HandlerContext) -> str:
    """A community of the group takes our user in by its directory rule (see above)."""
    follow, group = ctx.activity.object, ctx.activity.actor_id
    if not isinstance(follow, dict) or type_of(follow) != FOLLOW or id_of(follow.get("object")) != group:
        return IGNORED
    member = id_of(follow.get("actor"))
    username = ctx.local_username(member)
    if username is None or not (ctx.is_local(group) or load_registry(ctx.config).is_inside(group)) \
            or not is_group_actor(group, ctx.config):
        return IGNORED
    follow_counts.set_state(member, group, state=FOLLOW_ACCEPTED)
    ctx.deliver_to_inbox([username])
    return PROCESSED


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
