"""Update: a newer version of an object (by its author) or of an actor's profile."""

from __future__ import annotations

from fedkit.actors import CachedActor, FetchError, get_actor
from fedkit.vocab import ACTOR_TYPES, UPDATE, id_of, type_of
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.models import ReceivedObject
from services.inbox.objects import attributed_to, local_recipients, store_object


@handles(UPDATE)
def on_update(ctx: HandlerContext) -> str:
    obj = ctx.activity.object
    actor = ctx.activity.actor_id
    object_id = id_of(obj)
    if object_id == actor:
        if type_of(obj) in ACTOR_TYPES and not ctx.is_local(actor):
            try:  # refetch rather than trust the embedded copy
                get_actor(actor, ctx.config, refresh=True)
            except FetchError:
                CachedActor.objects(actor_id=actor).delete()
        return "processed"
    if not isinstance(obj, dict):
        return "ignored"
    existing = ReceivedObject.objects(object_id=object_id).first()
    if existing is None or existing.deleted or existing.attributed_to != actor or attributed_to(obj) != actor:
        return "ignored"
    store_object(obj)
    ctx.deliver_to_inbox(local_recipients(ctx, ctx.activity.raw, obj))
    return "processed"
