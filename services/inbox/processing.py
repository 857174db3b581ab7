"""Applying a stored inbound activity: exactly once, by its handler."""

from __future__ import annotations

import datetime as dt
import logging

from fedkit.contracts.communities import CommunitiesClient
from fedkit.protocol.vocab import parse_document
from fedkit.rules.audience import AudiencePlan
from fedkit.rules.community_facts import community_slugs_named
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.inbox import search_events, stream_events
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handler_for
from services.inbox.local_posts import with_local_objects
from services.inbox.models import FAILED, IGNORED, INBOUND, PROCESSED, now

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def _no_local_effect(_ctx: HandlerContext) -> str:
    return PROCESSED


def process_inbound(activity_id: str, config: Config, internal: InternalClient) -> str | None:
    # Claim the activity: only one worker applies it, even if the queue delivers twice.
    with INBOUND.claimed(activity_id, config.lease_seconds) as claimed:
        return None if claimed is None else _apply(claimed, activity_id, config, internal)


def _apply(claimed, activity_id: str, config: Config, internal: InternalClient) -> str:
    if claimed.attempts > MAX_ATTEMPTS + 1:
        INBOUND.finish(claimed, FAILED)
        return FAILED
    doc = parse_document(claimed.raw)
    handler = handler_for(doc.type, doc.object_type)
    if handler is None and concerns_local_community(claimed.raw, claimed.also_to or (), config):
        handler = _no_local_effect  # e.g. an Accept(Invite): only the community acts on it
    if handler is None:
        INBOUND.finish(claimed, IGNORED, processed_at=now())
        return IGNORED
    ctx = HandlerContext(config=config, internal=internal, activity=doc, also_to=tuple(claimed.also_to or ()),
                         stored_id=activity_id, plan=AudiencePlan.from_dict(claimed.plan) if claimed.plan else None)
    try:
        result = handler(ctx)
        if concerns_local_community(claimed.raw, claimed.also_to or (), config):
            # The communities service owns Group actors: it gets what is addressed to them
            # (a failure retries the whole activity; both sides are idempotent).
            CommunitiesClient(internal).deliver(_whole(claimed, config, internal), list(claimed.also_to or ()))
            result = PROCESSED
        if result == PROCESSED:  # before the activity is finished: a crash here applies it again
            search_events.applied(doc, config)
    except Exception as exc:
        log.exception("handler for %s %s failed", doc.type, activity_id)
        backoff = dt.timedelta(seconds=5 * 2 ** claimed.attempts)
        INBOUND.reschedule(claimed, now() + backoff, error=type(exc).__name__)
        return "retry"
    INBOUND.finish(claimed, result, processed_at=now(), error=ctx.refusal if result == IGNORED else None)
    if result == PROCESSED:
        stream_events.applied(activity_id, doc, config)  # the streaming server's events
    return result


def _whole(claimed, config: Config, internal: InternalClient) -> dict:
    """The activity with its post in it: a local post's content is read from the outbox
    (the inbox keeps only its routing facts, local_posts.py), for a community to relay."""
    if not claimed.local:
        return claimed.raw
    return with_local_objects([claimed.raw], internal, config.base_url)[0]


def concerns_local_community(raw: dict, also_to, config: Config) -> bool:
    return bool(community_slugs_named(raw, also_to, config))
