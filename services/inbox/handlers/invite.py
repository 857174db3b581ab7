"""Invite: a community (or anyone) invites a local user; the invitation waits in the
user's inbox. They join a community by following it (or with Accept(Invite))."""

from __future__ import annotations

from fedkit.protocol.vocab import INVITE, id_of
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.models import IGNORED, PROCESSED
from services.inbox.objects import local_recipients


@handles(INVITE)
def on_invite(ctx: HandlerContext) -> str:
    invitee = ctx.local_username(id_of(ctx.activity.raw.get("target")))
    recipients = local_recipients(ctx, ctx.activity.raw)
    if invitee is None or invitee not in recipients:
        return IGNORED  # an invitation is for the user it names, addressed to them
    ctx.deliver_to_inbox([invitee])
    return PROCESSED
