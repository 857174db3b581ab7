"""Update: a newer version of an object (by its author only) or of an actor's profile."""

from __future__ import annotations

from fedkit.protocol.actors import CachedActor, FetchError, get_actor, mark_suspended
from fedkit.protocol.polls import content_fields
from fedkit.protocol.vocab import ACTOR_TYPES, ANNOUNCE, UPDATE, id_of, type_of
from fedkit.rules.authority import may_update
from fedkit.rules.federation_policy import admit_object
from fedkit.runtime.clock import parse_iso
from services.inbox import versions
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.models import IGNORED, PROCESSED, Interaction, ReceivedObject
from services.inbox.objects import attributed_to, local_recipients, sanitized, store_object

GONE = (404, 410)


def is_older(new: dict, stored: dict) -> bool:
    """Is this version older than the stored one (its ``updated`` before the stored one's)?
    Deliveries may arrive out of order. Without both dates nothing says so: a poll's new
    totals come without ``updated`` when the poll was never edited."""
    new_at, stored_at = (parse_iso(o.get("updated")) for o in (new, stored))
    return new_at is not None and stored_at is not None and new_at < stored_at


def _refresh_actor(ctx: HandlerContext, actor: str, claimed: dict) -> None:
    """Refetch rather than trust the embedded copy; the origin's document says whether the
    actor is suspended (Mastodon's ``toot:suspended``). An origin that no longer serves it
    (a closed account answers 410) leaves it suspended here when its own signed Update said
    so — an actor may always restrict itself — or when it is gone (404/410)."""
    try:
        get_actor(actor, ctx.config, refresh=True)
    except FetchError as exc:
        cached = CachedActor.objects(actor_id=actor).only("suspended").first()
        if claimed.get("suspended") is True or exc.status in GONE or (cached and cached.suspended):
            mark_suspended(actor)
        else:
            CachedActor.objects(actor_id=actor).delete()  # unreachable now: refetched on next use


@handles(UPDATE)
def on_update(ctx: HandlerContext) -> str:
    obj = ctx.activity.object
    actor = ctx.activity.actor_id
    object_id = id_of(obj)
    if object_id == actor:
        if type_of(obj) in ACTOR_TYPES and not ctx.is_local(actor):
            _refresh_actor(ctx, actor, obj if isinstance(obj, dict) else {})
        return PROCESSED
    if not isinstance(obj, dict):
        return IGNORED
    existing = ReceivedObject.objects(object_id=object_id).first()
    # Only the author edits, and never hands the object to someone else (fedkit.rules.authority).
    if existing is None or existing.deleted or not may_update(
            actor, author=existing.attributed_to, object_id=object_id, new_author=attributed_to(obj)):
        return IGNORED
    obj = admit_object(obj, ctx.config)  # the federation policy's media rules (and blocks)
    if obj is None or is_older(obj, existing.raw):
        return IGNORED  # an Update overtaken by a newer one changes nothing
    if ctx.is_local(object_id):
        # Only its routing facts are here (services/inbox/local_posts.py); the publisher sets
        # ``updated`` exactly when an edit changes what the post says.
        edited = obj.get("updated") != existing.raw.get("updated")
    else:
        edited = content_fields(sanitized(obj)) != content_fields(existing.raw)  # else: a poll's new totals
    if edited and not ctx.is_local(object_id):  # a local post's versions are the outbox's
        versions.keep(existing.raw)
    store_object(obj)
    recipients = local_recipients(ctx, ctx.activity.raw, obj)
    ctx.deliver_to_inbox(recipients)
    if not edited:
        return PROCESSED
    # Those here who boosted it are told it changed (Mastodon's ``update`` notification).
    boosters = {ctx.local_username(i.actor) for i in Interaction.objects(object_id=object_id, kind=ANNOUNCE)}
    ctx.notify(boosters - {None}, "update", object_id)
    return PROCESSED
