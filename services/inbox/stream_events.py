"""The inbox's one hook for the streaming server: once an activity is applied, tell it what
changed for whom (``fedkit/contracts/stream_events.py``: ids only, on Redis pub/sub). The
streaming server renders each through the api as the connected user."""

from __future__ import annotations

import logging
import threading

import redis

from fedkit.contracts import stream_events as events
from fedkit.protocol.local_ids import local_username
from fedkit.protocol.vocab import (
    CREATE,
    DELETE,
    PUBLIC_ALIASES,
    UPDATE,
    Document,
    audience_of,
    id_of,
)
from fedkit.rules.policy import node_audience
from fedkit.rules.registry import load_registry
from fedkit.runtime.config import Config
from services.inbox.models import InboundActivity, InboxItem, Notification

log = logging.getLogger(__name__)
_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def _redis(config: Config) -> redis.Redis:
    with _lock:
        client = _clients.get(config.redis_url)
        if client is None:
            client = _clients[config.redis_url] = redis.Redis.from_url(
                config.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return client


def applied(activity_id: str, doc: Document, config: Config) -> None:
    """Publish the events of an activity the worker has just applied. Never raises: the
    activity is applied whatever happens to its events (a client that missed one reads the
    REST timelines)."""
    try:
        found = events_of(activity_id, doc, config)
    except Exception as exc:
        log.warning("streaming events of %s not built: %s", activity_id, type(exc).__name__)
        return
    events.publish(_redis(config), config.queue_prefix, found)


def notified(username: str, seq: int, config: Config) -> None:
    """Publish a notification written outside a handler (a moderator's warning, a report's
    outcome: services/inbox/reports.py). Never raises, as ``applied``."""
    try:
        events.publish(_redis(config), config.queue_prefix, [events.notification(username, str(seq))])
    except Exception as exc:
        log.warning("streaming event of %s's notification not sent: %s", username, type(exc).__name__)


def events_of(activity_id: str, doc: Document, config: Config) -> list[dict]:
    # A boost, a mention, a follower's post: each reaches the streams as home entries and
    # notifications; a new post also as a status for the public and hashtag streams.
    found = [events.home(item.username, item.seq)
             for item in InboxItem.objects(activity_id=activity_id).only("username", "seq")]
    found += [events.notification(n.username, str(n.seq))
              for n in Notification.objects(activity_id=activity_id).only("username", "seq")]
    object_id = id_of(doc.raw.get("object"))
    if doc.type == CREATE and object_id:
        found.append(events.status(object_id, author=local_username(doc.actor_id, config.base_url)))
    elif doc.type in (UPDATE, DELETE) and object_id and object_id != doc.actor_id:
        users, public = _shown_to(object_id, config)
        if doc.type == UPDATE:
            found.append(events.status(object_id, update=True, users=users))
        else:
            found.append(events.delete(object_id, users, public=public))
    return found


def _shown_to(object_id: str, config: Config) -> tuple[list[str], bool]:
    """The local users whose home got the post's Create, and whether it was in a public
    stream (addressed to the public, the group or the node: every local user saw it)."""
    create = InboundActivity.objects(activity_type=CREATE, __raw__={"raw.object.id": object_id}) \
        .only("activity_id", "raw").first()
    if create is None:
        return [], False
    users = [item.username for item in InboxItem.objects(activity_id=create.activity_id).only("username")]
    stream = {*PUBLIC_ALIASES, load_registry(config).audience, node_audience(config.base_url)}
    return users, bool(stream & set(audience_of(create.raw.get("object") or {})))
