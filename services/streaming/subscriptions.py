"""What a client subscribes to, as Mastodon's streaming API names it
(docs.joinmastodon.org/methods/streaming/#streams): the ``stream`` (and ``tag``) of the
connection's query, or ``{"type": "subscribe"|"unsubscribe", "stream", "tag"}`` messages
on a multiplexed connection. Pure: no I/O."""

from __future__ import annotations

import json
from dataclasses import dataclass

from fedkit.rules.scopes import grants

USER, NOTIFICATIONS = "user", "user:notification"
PUBLIC, LOCAL, REMOTE = "public", "public:local", "public:remote"
HASHTAG, HASHTAG_LOCAL = "hashtag", "hashtag:local"
STREAMS = (USER, NOTIFICATIONS, PUBLIC, LOCAL, REMOTE, HASHTAG, HASHTAG_LOCAL)
PUBLIC_STREAMS = (PUBLIC, LOCAL, REMOTE, HASHTAG, HASHTAG_LOCAL)
MAX_SUBSCRIPTIONS = 50  # per connection
MAX_TAG_LENGTH = 100
MAX_MESSAGE_BYTES = 4096


class BadSubscription(ValueError):
    """A stream the client may not have; ``status`` as Mastodon answers it (400 unknown or
    malformed, 401 missing scope)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Subscription:
    stream: str
    tag: str | None = None  # hashtag streams only, lower-cased as Mastodon compares them

    @property
    def name(self) -> list[str]:
        """The ``stream`` field of the messages sent for it (``["hashtag", "tag"]``)."""
        return [self.stream, self.tag] if self.tag is not None else [self.stream]

    def required_scopes(self) -> tuple[str, ...]:
        """Mastodon's: ``read:notifications`` for the notifications, ``read:statuses``
        for every timeline (``read`` covers both)."""
        return ("read:notifications",) if self.stream == NOTIFICATIONS else ("read:statuses",)


def subscription(stream, tag=None) -> Subscription:
    """A subscription from a stream name and tag; ``BadSubscription`` for anything else."""
    if not isinstance(stream, str) or stream not in STREAMS:
        raise BadSubscription("Unknown stream type")
    if stream in (HASHTAG, HASHTAG_LOCAL):
        if not isinstance(tag, str) or not tag.strip().lstrip("#"):
            raise BadSubscription("No tag for stream provided")
        tag = tag.strip().lstrip("#").lower()
        if len(tag) > MAX_TAG_LENGTH or not tag.isprintable():
            raise BadSubscription("Invalid tag")
        return Subscription(stream, tag)
    return Subscription(stream)


def from_query(args) -> Subscription | None:
    """The connection's own stream (``?stream=…&tag=…``), or None on a multiplexed one."""
    stream = args.get("stream")
    return None if not stream else subscription(stream, args.get("tag"))


def parse_message(text) -> tuple[str, Subscription]:
    """A client's message: ("subscribe" or "unsubscribe", the subscription)."""
    if isinstance(text, bytes) or len(text) > MAX_MESSAGE_BYTES:
        raise BadSubscription("Invalid message")
    try:
        message = json.loads(text)
    except ValueError:
        raise BadSubscription("Invalid JSON") from None
    if not isinstance(message, dict) or message.get("type") not in ("subscribe", "unsubscribe"):
        raise BadSubscription("Unknown message type")
    return message["type"], subscription(message.get("stream"), message.get("tag"))


def check_scopes(sub: Subscription, scopes) -> None:
    if not any(grants(scopes, s) for s in sub.required_scopes()):
        raise BadSubscription("Access token does not have the required scopes", 401)


class Subscriptions:
    """One connection's subscriptions."""

    def __init__(self):
        self._subs: list[Subscription] = []

    def add(self, sub: Subscription) -> None:
        if sub not in self._subs:
            if len(self._subs) >= MAX_SUBSCRIPTIONS:
                raise BadSubscription("Too many subscriptions")
            self._subs.append(sub)

    def remove(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    def __iter__(self):
        return iter(list(self._subs))

    def streams(self) -> set[str]:
        return {s.stream for s in self._subs}

    def public(self) -> list[Subscription]:
        return [s for s in self._subs if s.stream in PUBLIC_STREAMS]


def matches(sub: Subscription, *, public: bool, local: bool, tags: set[str]) -> bool:
    """Does a post that the user may see belong to this public stream? ``public``: in the
    group's stream (``/timelines/public``), ``local``: in the node's (``?local=true``)."""
    if sub.stream == PUBLIC:
        return public
    if sub.stream == LOCAL:
        return local
    if sub.stream == REMOTE:
        return public and not local
    in_tag = sub.tag in tags and (public or local)
    return in_tag and (local if sub.stream == HASHTAG_LOCAL else True)
