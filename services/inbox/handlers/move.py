"""Move: an actor moved to another account (an employee moved home node,
services/identity/mobility.py); its followers here follow the new account.

As Mastodon handles it (app/lib/activitypub/activity/move.rb): the Move must move its own
actor (``object`` = ``actor``, and the signer is the actor: acceptance.py checked it), and
the ``target`` must name the old actor in its ``alsoKnownAs``, read from the target's own
server (the copy embedded in a Move is not trusted). Then each local follower of the old
actor follows the new one (a Follow) and stops following the old one (an Undo), and this
node's communities give the old actor's memberships to the new one
(services/communities/mobility.py). The old actor's cached document is read again, so the
client API shows where it went (``moved``).
"""

from __future__ import annotations

import requests

from fedkit.contracts.communities import CommunitiesClient
from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.actors import FetchError, get_actor
from fedkit.protocol.vocab import ALSO_KNOWN_AS, FOLLOW, MOVE, UNDO, as_list, id_of
from services.inbox import follow_counts
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.models import FOLLOW_ACCEPTED, PROCESSED, FollowRelation


def _names_old(target: str, old: str, ctx: HandlerContext) -> bool:
    """Does the target's own document name ``old`` in ``alsoKnownAs``?"""
    if ctx.is_local(target):
        username = ctx.local_username(target)
        document = IdentityClient(ctx.internal).find_person(username) if username else None
    else:
        document = get_actor(target, ctx.config, refresh=True).raw
    return old in [id_of(a) for a in as_list((document or {}).get(ALSO_KNOWN_AS))]


def _follow_instead(ctx: HandlerContext, username: str, relation: FollowRelation, target: str) -> None:
    """Mastodon's UnfollowFollowWorker: follow the new actor, then undo the old follow (the
    Undo names the user's own Follow; a follow this node has no Follow of is just dropped)."""
    ctx.send_as(username, {"type": FOLLOW, "object": target})
    if relation.follow_activity_id:
        try:
            ctx.send_as(username, {"type": UNDO, "object": relation.follow_activity_id})
            return
        except requests.HTTPError as exc:
            if exc.response is None or exc.response.status_code >= 500:
                raise  # retried with the Move
    follow_counts.remove(follower=relation.follower, followee=relation.followee)


@handles(MOVE)
def on_move(ctx: HandlerContext) -> str:
    activity = ctx.activity
    old, target = activity.actor_id, id_of(activity.raw.get("target"))
    if not old or activity.object_id != old:
        return ctx.refuse("a Move moves its own actor only")
    if not target or target == old:
        return ctx.refuse("a Move names another actor as its target")
    try:
        if not _names_old(target, old, ctx):
            return ctx.refuse("the target does not name the moved actor in alsoKnownAs")
    except FetchError as exc:
        return ctx.refuse(f"the target cannot be read: {exc}")
    if not ctx.is_local(old):
        try:
            get_actor(old, ctx.config, refresh=True)  # its document now says movedTo
        except FetchError:
            pass
    for relation in FollowRelation.objects(followee=old, state=FOLLOW_ACCEPTED):
        username = ctx.local_username(relation.follower)
        if username is not None:
            _follow_instead(ctx, username, relation, target)
    CommunitiesClient(ctx.internal).member_moved(old, target)
    return PROCESSED
