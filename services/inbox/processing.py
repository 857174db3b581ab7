"""Applying a stored inbound activity: exactly once, by its handler."""

from __future__ import annotations

import datetime as dt
import logging

from mongoengine.queryset.visitor import Q

from fedkit.community_facts import community_slugs_named
from fedkit.config import Config
from fedkit.internal import InternalClient
from fedkit.vocab import parse_document
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handler_for
from services.inbox.models import InboundActivity, now

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
LEASE = dt.timedelta(minutes=5)


def _no_local_effect(_ctx: HandlerContext) -> str:
    return "processed"


def process_inbound(activity_id: str, config: Config, internal: InternalClient) -> str | None:
    # Claim the activity: only one worker applies it, even if the queue delivers twice.
    claimed = InboundActivity.objects(
        Q(lease_until=None) | Q(lease_until__lt=now()), activity_id=activity_id, state="received",
    ).modify(inc__attempts=1, set__lease_until=now() + LEASE, new=True)
    if claimed is None:
        return None
    if claimed.attempts > MAX_ATTEMPTS + 1:
        claimed.update(set__state="failed")
        return "failed"
    doc = parse_document(claimed.raw)
    handler = handler_for(doc.type, doc.object_type)
    if handler is None and concerns_local_community(claimed.raw, claimed.also_to or (), config):
        handler = _no_local_effect  # e.g. an Accept(Invite): only the community acts on it
    if handler is None:
        claimed.update(set__state="ignored", set__processed_at=now())
        return "ignored"
    try:
        result = handler(HandlerContext(config=config, internal=internal, activity=doc,
                                        also_to=tuple(claimed.also_to or ()), stored_id=activity_id))
        if concerns_local_community(claimed.raw, claimed.also_to or (), config):
            # The communities service owns Group actors: it gets what is addressed to them
            # (a failure retries the whole activity; both sides are idempotent).
            internal.post_json("communities", "/internal/inbox",
                               {"activity": claimed.raw, "also_to": list(claimed.also_to or ())})
            result = "processed"
    except Exception as exc:
        log.exception("handler for %s %s failed", doc.type, activity_id)
        backoff = dt.timedelta(seconds=5 * 2 ** claimed.attempts)
        claimed.update(set__error=f"{type(exc).__name__}", set__lease_until=now() + backoff)
        return "retry"
    claimed.update(set__state=result, set__processed_at=now(), unset__error=True)
    return result


def concerns_local_community(raw: dict, also_to, config: Config) -> bool:
    return bool(community_slugs_named(raw, also_to, config))


def due_for_retry(limit: int = 200) -> list[str]:
    """Activities still 'received' a few seconds after arrival whose lease is free or lapsed
    (a lost queue message, a worker killed mid-task, a handler that failed)."""
    current = now()
    due = InboundActivity.objects(
        Q(lease_until=None) | Q(lease_until__lt=current),
        state="received", received_at__lt=current - dt.timedelta(seconds=3),
    )
    return [item.activity_id for item in due.only("activity_id").limit(limit)]
