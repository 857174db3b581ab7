"""Announce (boost): the announcer's local followers see it; a local author is notified.

A community's Group announces its members' activities, embedded (FEP-1b12): the
inner Create/Update/Delete is applied here so that members see the post, after
checking the Group may relay it (the post is addressed to that Group, and the Group
is on a member node of our group or the post is fetched again from its origin).
"""

from __future__ import annotations

import logging

from fedkit.actors import FetchError, fetch_json
from fedkit.registry import load_registry
from fedkit.vocab import ANNOUNCE, CREATE, DELETE, UPDATE, audience_of, id_of, type_of
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.handlers.like import record_interaction
from services.inbox.models import ReceivedObject
from services.inbox.objects import (
    attributed_to,
    local_recipients,
    same_origin,
    store_object,
    tombstone,
)

log = logging.getLogger(__name__)
RELAYED_TYPES = (CREATE, UPDATE, DELETE)


def _relayed_object(ctx: HandlerContext, group: str, inner: dict) -> dict | None:
    """The inner activity's object if the Group may relay it to us, else None."""
    obj, actor = inner.get("object"), id_of(inner.get("actor"))
    if not isinstance(obj, dict) or not actor or not same_origin(id_of(obj), actor):
        return None
    if type_of(inner) != DELETE and attributed_to(obj) != actor:
        return None
    if type_of(inner) != DELETE and group not in audience_of(obj) + audience_of(inner):
        return None  # a Group relays only what was addressed to it
    if load_registry(ctx.config).is_inside(group) or same_origin(group, actor) or type_of(inner) == DELETE:
        return obj
    try:  # a Group outside our group: trust the origin, not the relay
        fetched = fetch_json(id_of(obj), ctx.config)
    except FetchError as exc:
        log.info("cannot verify %s relayed by %s: %s", id_of(obj), group, exc)
        return None
    return fetched if id_of(fetched) == id_of(obj) and attributed_to(fetched) == actor else None


def apply_relayed(ctx: HandlerContext, group: str, inner: dict) -> None:
    obj = _relayed_object(ctx, group, inner)
    if obj is None:
        return
    existing = ReceivedObject.objects(object_id=id_of(obj)).first()
    actor = id_of(inner.get("actor"))
    if type_of(inner) == DELETE:
        if existing is not None and existing.attributed_to == actor and not existing.deleted:
            tombstone(existing)
    elif existing is None or (existing.attributed_to == actor and not existing.deleted):
        store_object(obj)


@handles(ANNOUNCE)
def on_announce(ctx: HandlerContext) -> str:
    inner = ctx.activity.object
    if isinstance(inner, dict) and type_of(inner) in RELAYED_TYPES:
        apply_relayed(ctx, ctx.activity.actor_id, inner)
        author = None
    else:
        author = record_interaction(ctx, ANNOUNCE)
    recipients = local_recipients(ctx, ctx.activity.raw)
    if author and ctx.local_username(ctx.activity.actor_id) != author:
        recipients.add(author)
    ctx.deliver_to_inbox(recipients)
    return "processed"
