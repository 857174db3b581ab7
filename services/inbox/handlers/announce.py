"""Announce (boost): the announcer's local followers see it; a local author is notified.

A community's Group announces its members' activities, embedded (FEP-1b12): the
inner Create/Update/Delete is applied here so that members see the post, after
checking the Group may relay it (fedkit.rules.authority.may_relay: the relaying actor is a
Group, the post is addressed to it, the inner activity is its author's) and that it is
taken at its word (a Group on a member node of our group) or the post is fetched again
from its origin. A Person — even one on a member node — relays nothing.
"""

from __future__ import annotations

import logging

from fedkit.protocol.actors import FetchError, fetch_json
from fedkit.protocol.vocab import ANNOUNCE, CREATE, DELETE, UPDATE, audience_of, id_of, type_of
from fedkit.rules.authority import may_relay
from fedkit.rules.community_facts import is_group_actor
from fedkit.rules.federation_policy import admit_object
from fedkit.rules.registry import load_registry
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.handlers.like import record_interaction
from services.inbox.models import IGNORED, PROCESSED, ReceivedObject
from services.inbox.objects import (
    attributed_to,
    local_recipients,
    same_origin,
    store_object,
    tombstone,
)

log = logging.getLogger(__name__)
RELAYED_TYPES = (CREATE, UPDATE, DELETE)


def _trusted_relay(ctx: HandlerContext, group: str, actor: str) -> bool:
    """A Group on a member node of our group (or on the author's own server) is taken at
    its word; any other Group's relays are checked against the origin."""
    return load_registry(ctx.config).is_inside(group) or same_origin(group, actor)


def _local_member(ctx: HandlerContext, group: str) -> str | None:
    """One of our users who follows (is a member of) the Group, if any."""
    names = ctx.local_followers_of(group)
    return f"{ctx.users_prefix}{sorted(names)[0]}" if names else None


def _relayed_post(ctx: HandlerContext, group: str, inner: dict) -> dict | None:
    """The object of a relayed Create/Update if the Group may relay it to us, else None."""
    obj, actor = inner.get("object"), id_of(inner.get("actor"))
    if not isinstance(obj, dict) or not may_relay(
            group, inner_actor=actor, author=attributed_to(obj), object_id=id_of(obj),
            addressees=audience_of(obj) + audience_of(inner),
            is_group=lambda a: is_group_actor(a, ctx.config)):
        return None
    if _trusted_relay(ctx, group, actor):
        return obj
    try:  # as a local member of the Group: a hidden community's post is served to members only
        fetched = fetch_json(id_of(obj), ctx.config, as_actor=_local_member(ctx, group))
    except FetchError as exc:
        log.info("cannot verify %s relayed by %s: %s", id_of(obj), group, exc)
        return None
    return fetched if id_of(fetched) == id_of(obj) and attributed_to(fetched) == actor else None


def _relayed_delete(ctx: HandlerContext, group: str, inner: dict) -> bool:
    """A relayed Delete removes a post we hold that was addressed to that Group, by that
    author (as our copy says, not the Delete); from an untrusted Group only once the
    origin confirms it is gone."""
    actor, object_id = id_of(inner.get("actor")), id_of(inner.get("object"))
    existing = ReceivedObject.objects(object_id=object_id or "").first()
    if existing is None or existing.deleted or not may_relay(
            group, inner_actor=actor, author=existing.attributed_to, object_id=object_id,
            addressees=audience_of(existing.raw),
            is_group=lambda a: is_group_actor(a, ctx.config)):
        return False
    if not _trusted_relay(ctx, group, actor):
        try:
            fetch_json(object_id, ctx.config)
            return False  # still there: not deleted
        except FetchError as exc:
            if exc.status not in (404, 410):
                return False
    tombstone(existing)
    return True


def apply_relayed(ctx: HandlerContext, group: str, inner: dict) -> bool:
    """Apply a Group's relayed activity; False when it is refused (nothing is shown then)."""
    if type_of(inner) == DELETE:
        return _relayed_delete(ctx, group, inner)
    obj = _relayed_post(ctx, group, inner)
    obj = admit_object(obj, ctx.config) if obj else None  # a blocked author's post, relayed: dropped
    if obj is None:
        return False
    existing = ReceivedObject.objects(object_id=id_of(obj)).first()
    if existing is None or (existing.attributed_to == id_of(inner.get("actor")) and not existing.deleted):
        store_object(obj)
        return True
    return False


@handles(ANNOUNCE)
def on_announce(ctx: HandlerContext) -> str:
    inner = ctx.activity.object
    if isinstance(inner, dict) and type_of(inner) in RELAYED_TYPES:
        if not apply_relayed(ctx, ctx.activity.actor_id, inner):
            return IGNORED  # a refused relay reaches nobody's inbox
        author = None
    else:
        author = record_interaction(ctx, ANNOUNCE)
    recipients = local_recipients(ctx, ctx.activity.raw)
    if author and ctx.local_username(ctx.activity.actor_id) != author:
        recipients.add(author)
        ctx.notify([author], "reblog", ctx.activity.object_id)
    ctx.deliver_to_inbox(recipients)
    return PROCESSED
