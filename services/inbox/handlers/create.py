"""Create: a new object (Note…) reaches the local users it is addressed to."""

from __future__ import annotations

from fedkit.protocol.vocab import CREATE, QUESTION, id_of, type_of
from fedkit.rules.federation_policy import admit_object
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.followed_tags import tag_followers
from services.inbox.models import IGNORED, PROCESSED, ReceivedObject
from services.inbox.objects import (
    attributed_to,
    local_recipients,
    mentioned_users,
    same_origin,
    store_object,
)
from services.inbox.poll_endings import watch
from services.inbox.subscriptions import subscribers
from services.inbox.votes import handle_vote


@handles(CREATE)
def on_create(ctx: HandlerContext) -> str:
    obj = ctx.activity.object
    actor = ctx.activity.actor_id
    if not isinstance(obj, dict) or not id_of(obj):
        return IGNORED  # a bare reference would need a fetch; Mastodon always embeds
    # The author is the one who signed: no creating objects in someone else's name or host.
    if attributed_to(obj) != actor or not same_origin(id_of(obj), actor):
        return IGNORED
    if (vote := handle_vote(ctx, obj)) is not None:
        return vote  # a vote in a poll: counted, never a post (services/inbox/votes.py)
    existing = ReceivedObject.objects(object_id=id_of(obj)).first()
    if existing is not None and existing.attributed_to != actor:
        return IGNORED  # another actor's object: no overwriting it
    obj = admit_object(obj, ctx.config)  # the federation policy's media rules (and blocks)
    if obj is None:
        return IGNORED
    if existing is None or not existing.deleted:
        store_object(obj, ctx.stored_id)
    # Its first application — or that one again, when a worker died after storing the object
    # (a replay): those it notifies are told once (the notifications are keyed by activity).
    first = existing is None or (existing.stored_by is not None and existing.stored_by == ctx.stored_id)
    recipients = local_recipients(ctx, ctx.activity.raw, obj)
    ctx.deliver_to_inbox(recipients)
    # followers of its hashtags (a repeated delivery adds nothing: one item per user)
    ctx.deliver_to_inbox(tag_followers(ctx, obj) - recipients)
    if first:  # mentioned: those it reaches whom it names (a Mention tag)
        ctx.notify(set(recipients) & mentioned_users(ctx, obj), "mention", id_of(obj))
        # subscribed (followed with notify): those it reaches who asked to hear of its author's posts
        ctx.notify(set(recipients) & subscribers(ctx, actor), "status", id_of(obj))
        if type_of(obj) == QUESTION and ctx.local_username(actor):
            watch(obj)  # a local user's poll: they are told when it ends
    return PROCESSED
