"""Storing received objects (sanitised) and finding which local users an activity reaches."""

from __future__ import annotations

from fedkit.actors import FetchError, get_actor
from fedkit.authority import same_origin  # noqa: F401  (defined once there; handlers import it here)
from fedkit.clock import now_iso
from fedkit.policy import node_audience
from fedkit.registry import load_registry
from fedkit.sanitize import sanitize_html
from fedkit.tombstone import tombstone as make_tombstone
from fedkit.vocab import as_list, audience_of, id_of, is_public, type_of
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


def store_object(obj: dict) -> ReceivedObject:
    record = ReceivedObject(object_id=id_of(obj), raw=sanitized(obj), attributed_to=attributed_to(obj),
                            deleted=False, updated_at=now())
    record.save()
    return record


def tombstone(record: ReceivedObject) -> None:
    record.raw = make_tombstone(record.object_id, type_of(record.raw), now_iso())
    record.deleted = True
    record.updated_at = now()
    record.save()


def followers_collection_of(ctx: HandlerContext, actor_id: str) -> str | None:
    if ctx.is_local(actor_id):
        return actor_id + "/followers"
    try:
        return get_actor(actor_id, ctx.config).followers
    except FetchError:
        return None


def reaches_followers(ctx: HandlerContext, actor: str, addressees: list[str]) -> bool:
    """Does a non-public post reach its author's local followers? When it names the
    author's followers, the group audience (an author inside the group), or this node's
    audience (a local author)."""
    registry = load_registry(ctx.config)
    if registry.audience in addressees and (ctx.is_local(actor) or registry.is_inside(actor)):
        return True
    if node_audience(ctx.config.base_url) in addressees and ctx.is_local(actor):
        return True
    followers_url = followers_collection_of(ctx, actor)
    return bool(followers_url) and followers_url in addressees


def local_recipients(ctx: HandlerContext, activity: dict, obj: dict | None = None) -> set[str]:
    """Local users an activity is for: those addressed by name, and the author's local
    followers when the post is public, addressed to the author's followers, or to the
    group audience (or, for a local author, the node audience)."""
    addressees = audience_of(activity) + list(ctx.also_to)
    if obj:
        addressees += [a for a in audience_of(obj) if a not in addressees]
    names = {n for n in (ctx.local_username(a) for a in addressees) if n}
    actor = ctx.activity.actor_id
    if actor:
        if is_public(addressees) or reaches_followers(ctx, actor, addressees):
            names.update(ctx.local_followers_of(actor))
    author = ctx.local_username(actor)
    names.discard(author)  # nobody needs their own post in their inbox
    return names
