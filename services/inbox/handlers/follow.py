"""Follow: a remote or local actor asks to follow a local actor.

Auto-accepted unless the followee is locked (manuallyApprovesFollowers); then it
waits, and the followee answers with Accept or Reject through the outbox.
A local actor's own Follow (seen here from the outbox) records the pending relation.
"""

from __future__ import annotations

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.vocab import ACCEPT, FOLLOW
from services.inbox import follow_counts
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.models import (
    FOLLOW_ACCEPTED,
    FOLLOW_PENDING,
    IGNORED,
    PROCESSED,
    FollowRelation,
    UndoneFollow,
)


@handles(FOLLOW)
def on_follow(ctx: HandlerContext) -> str:
    activity = ctx.activity
    follower, followee = activity.actor_id, activity.object_id
    if not follower or not followee:
        return IGNORED
    if activity.id and UndoneFollow.objects(follow_activity_id=activity.id, follower=follower).first():
        return IGNORED  # its author already undid it: it arrived (or was applied) late
    username = ctx.local_username(followee)
    if username is None:
        if ctx.local_username(follower):  # our user follows someone elsewhere: pending until Accept
            follow_counts.set_state(follower, followee, state_if_new=FOLLOW_PENDING, activity_id=activity.id)
            return PROCESSED
        return IGNORED
    account = IdentityClient(ctx.internal).account(username)  # an answer other than 404 raises: retried
    if account is None or account.suspended:
        return IGNORED
    existing = FollowRelation.objects(follower=follower, followee=followee).first()
    if existing and existing.state == FOLLOW_ACCEPTED:
        state = FOLLOW_ACCEPTED  # a re-sent Follow is accepted again (the other side may have lost it)
    else:
        state = FOLLOW_PENDING if account.locked else FOLLOW_ACCEPTED
    follow_counts.set_state(follower, followee, state=state, activity_id=activity.id)
    ctx.deliver_to_inbox([username])  # the followee is notified (or asked to approve)
    if not (existing and existing.state == FOLLOW_ACCEPTED):
        ctx.notify([username], "follow" if state == FOLLOW_ACCEPTED else "follow_request")
    if state == FOLLOW_ACCEPTED:
        ctx.send_as(username, {"type": ACCEPT, "object": activity.raw, "to": [follower]})
    return PROCESSED
