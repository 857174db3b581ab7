"""The events the inbox worker publishes for the streaming server (services/streaming), on
one Redis pub/sub channel per node. An event names what changed by ids only, never content:
the streaming server renders each through the api as the connected user (fedkit.contracts.api),
so the visibility policy decides what each one receives.

Kinds (``kind``):
- ``home``: ``user``'s home timeline got the entry with inbox cursor ``seq``;
- ``notification``: ``user`` got notification ``id``;
- ``status``: object ``uri`` was posted (``update`` false: for the public and hashtag
  streams, and the home of its ``author`` when a local user) or edited (``update`` true:
  also for ``users``, whose home showed it);
- ``delete``: object ``uri`` is gone; ``users`` are the local users whose home showed it,
  ``public`` whether it was in the public streams (then every local user could see it).
Pub/sub is fire-and-forget, as in Mastodon's streaming server: a client that was not
connected reads what it missed from the REST timelines.
"""

from __future__ import annotations

import json
import logging

log = logging.getLogger(__name__)

HOME, NOTIFICATION, STATUS, DELETE = "home", "notification", "status", "delete"


def channel(queue_prefix: str) -> str:
    return f"archipel-{queue_prefix}:streaming"


def home(user: str, seq: int) -> dict:
    return {"kind": HOME, "user": user, "seq": seq}


def notification(user: str, number: str) -> dict:
    return {"kind": NOTIFICATION, "user": user, "id": number}


def status(uri: str, *, update: bool = False, users=(), author: str | None = None) -> dict:
    return {"kind": STATUS, "uri": uri, "update": update, "users": sorted(set(users)), "author": author}


def delete(uri: str, users, *, public: bool) -> dict:
    return {"kind": DELETE, "uri": uri, "users": sorted(set(users)), "public": public}


def publish(redis_client, queue_prefix: str, events: list[dict]) -> None:
    """Publish events; a Redis that does not answer loses them (logged), never the caller's work."""
    if not events:
        return
    try:
        pipe = redis_client.pipeline(transaction=False)
        for event in events:
            pipe.publish(channel(queue_prefix), json.dumps(event))
        pipe.execute()
    except Exception as exc:
        log.warning("streaming events not published: %s", type(exc).__name__)


def parse(message: bytes | str) -> dict | None:
    """An event read from the channel, or None for anything malformed."""
    try:
        event = json.loads(message)
    except (TypeError, ValueError):
        return None
    return event if isinstance(event, dict) and event.get("kind") in (HOME, NOTIFICATION, STATUS, DELETE) else None
