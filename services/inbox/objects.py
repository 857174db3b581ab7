"""Storing received objects (sanitised) and finding which local users an activity reaches."""

from __future__ import annotations

import mongoengine as me

from fedkit.protocol.actors import CachedActor, FetchError, get_actor
from fedkit.protocol.hashtags import names_of
from fedkit.protocol.sanitize import sanitize_html
from fedkit.protocol.tombstone import tombstone as make_tombstone
from fedkit.protocol.vocab import as_list, audience_of, id_of, type_of
from fedkit.rules import audience
from fedkit.rules.audience import Node
from fedkit.rules.authority import same_origin  # noqa: F401  (defined once there; handlers import it here)
from fedkit.rules.registry import load_registry
from fedkit.runtime.clock import now_iso
from services.inbox.context import HandlerContext
from services.inbox.models import ReceivedObject, now


def sanitized(obj: dict) -> dict:
    clean = dict(obj)
    for key in ("content", "summary"):
        if isinstance(clean.get(key), str):
            clean[key] = sanitize_html(clean[key])
    if isinstance(clean.get("contentMap"), dict):
        clean["contentMap"] = {k: sanitize_html(v) for k, v in clean["contentMap"].items() if isinstance(v, str)}
    return clean


def attributed_to(obj: dict) -> str | None:
    for ref in as_list(obj.get("attributedTo")):
        ident = id_of(ref)
        if ident:
            return ident
    return None


def store_object(obj: dict, activity_id: str | None = None) -> ReceivedObject:
    """Store (or replace) a received object; ``activity_id``: the activity storing it, kept
    as ``stored_by`` if it is the first to."""
    known = ReceivedObject.objects(object_id=id_of(obj)).only("seen_at", "stored_by").first()
    record = ReceivedObject(object_id=id_of(obj), raw=sanitized(obj), attributed_to=attributed_to(obj),
                            in_reply_to=id_of(obj.get("inReplyTo")), tags=names_of(obj),
                            seen_at=known.seen_at if known and known.seen_at else now(), deleted=False, updated_at=now(),
                            stored_by=known.stored_by if known else activity_id)
    try:
        record.save()
    except me.NotUniqueError:  # the same object stored by another worker since: replace it now
        record.save()
    return record


def tombstone(record: ReceivedObject) -> None:
    record.raw = make_tombstone(record.object_id, type_of(record.raw), now_iso())
    record.deleted = True
    record.tags = []
    record.updated_at = now()
    record.save()


class AuthorUnreachable(RuntimeError):
    """Whom a post reaches cannot be known now (its author's server does not answer and the
    author was never cached): the activity is retried later rather than applied for nobody."""


def followers_collection_of(ctx: HandlerContext, actor_id: str) -> str | None:
    if ctx.is_local(actor_id):
        return actor_id + "/followers"
    try:
        return get_actor(actor_id, ctx.config).followers
    except FetchError as exc:
        # A stale cached copy still names the collection (an actor's followers collection
        # does not move).
        stale = CachedActor.objects(actor_id=actor_id).only("followers").first()
        if stale is not None and stale.followers:
            return stale.followers
        # Refused for good (gone, not an actor): nobody here to reach. No answer: later.
        if exc.code == "unreachable" or exc.status in (408, 429) or (exc.status or 0) >= 500:
            raise AuthorUnreachable(f"{actor_id}: {exc.code}") from None
        return None


def reaches_followers(ctx: HandlerContext, actor: str, addressees: list[str]) -> bool:
    """Does a post reach its author's local followers? (fedkit.rules.audience.reaches_followers)"""
    node = Node.of(ctx.config, load_registry(ctx.config))
    if audience.reaches_followers(actor, addressees, node, None):
        return True  # public, or a restricted audience of the author's: no need to look the actor up
    return audience.reaches_followers(actor, addressees, node, followers_collection_of(ctx, actor))


def local_recipients(ctx: HandlerContext, activity: dict, obj: dict | None = None) -> set[str]:
    """Local users an activity is for: those addressed by name, and the author's local
    followers when the post is public, addressed to the author's followers, or to the
    group audience (or, for a local author, the node audience)."""
    if ctx.plan is not None:  # a local activity: its outbox decided who it reaches here
        return planned_recipients(ctx)
    addressees = audience_of(activity) + list(ctx.also_to)
    if obj:
        addressees += [a for a in audience_of(obj) if a not in addressees]
    names = {n for n in (ctx.local_username(a) for a in addressees) if n}
    actor = ctx.activity.actor_id
    if actor:
        if reaches_followers(ctx, actor, addressees):
            names.update(ctx.local_followers_of(actor))
    author = ctx.local_username(actor)
    names.discard(author)  # nobody needs their own post in their inbox
    return names


def mentioned_users(ctx: HandlerContext, obj: dict) -> set[str]:
    """The local users an object mentions (its ``Mention`` tags, as Mastodon marks them)."""
    tags = obj.get("tag") if isinstance(obj.get("tag"), list) else [obj.get("tag")]
    hrefs = [t.get("href") for t in tags if isinstance(t, dict) and t.get("type") == "Mention"]
    return {n for n in (ctx.local_username(h) for h in hrefs if isinstance(h, str)) if n}


def planned_recipients(ctx: HandlerContext) -> set[str]:
    """Local users a local activity is for, as its plan says (fedkit.rules.audience.AudiencePlan):
    those it names here, and the author's local followers when it reaches them."""
    names = {n for n in (ctx.local_username(a) for a in ctx.plan.local) if n}
    actor = ctx.activity.actor_id
    if actor and ctx.plan.followers:
        names.update(ctx.local_followers_of(actor))
    names.discard(ctx.local_username(actor))  # nobody needs their own post in their inbox
    return names
