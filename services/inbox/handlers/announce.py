"""Announce (boost): the announcer's local followers see it; a local author is notified."""

from __future__ import annotations

from fedkit.vocab import ANNOUNCE
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.handlers.like import record_interaction
from services.inbox.objects import local_recipients


@handles(ANNOUNCE)
def on_announce(ctx: HandlerContext) -> str:
    author = record_interaction(ctx, ANNOUNCE)
    recipients = local_recipients(ctx, ctx.activity.raw)
    if author and ctx.local_username(ctx.activity.actor_id) != author:
        recipients.add(author)
    ctx.deliver_to_inbox(recipients)
    return "processed"
