"""The search service's contract (services/search): the node's full-text index of posts,
people and communities.

Two ways in, both declared here:
- **index events**: a service that stores, edits or removes a post, a person or a community
  appends one event to the node's index stream (a Redis stream, durable as the inbox's
  intake stream: ``offer``); the search service's one indexer applies them in order (tantivy
  has one writer per index) and acknowledges each batch only once it is committed, so a
  killed indexer loses nothing. The events carry what is indexed (text, author, addressees),
  built by the functions below, so every producer indexes a thing alike.
- **queries** (``SearchClient``): ids of what matches, newest first, already restricted to
  the audiences the caller names; the caller re-checks each with the visibility policy.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
import threading
import unicodedata

import nh3
import redis

from fedkit.contracts import Transport
from fedkit.protocol.hashtags import names_of
from fedkit.protocol.vocab import audience_of, id_of, is_public
from fedkit.runtime.config import Config

log = logging.getLogger(__name__)

SERVICE = "search"

# Each a POST of the query as JSON (a reader's audiences can be thousands of ids), answered
# {"ids": [...]}; 400 without words.
# {q, audience, viewer, author, tag_prefix, limit, offset}: posts, newest first, addressed to
# one of ``audience`` or written by ``viewer``; ``author``: only theirs; ``tag_prefix``: only
# those with a hashtag whose name starts so (then ``q`` may be empty).
POSTS = "/internal/search/posts"
# {q, limit, offset}: people (actor ids), best match first
PEOPLE = "/internal/search/people"
# {q, audience, limit, offset}: communities (actor ids) one of ``audience`` may find
COMMUNITIES = "/internal/search/communities"
# Served by every service that holds indexed things: POST {after, limit} queues the index
# events of up to ``limit`` of them, by id after ``after``: {"count", "next"} (null: the end).
# A rebuild (``python -m services.search rebuild``) empties the index, then pages through each.
REPLAY = "/internal/search-replay"
REPLAYING = ("identity", "communities", "outbox", "inbox")
REPLAY_PAGE = 500

POST, PERSON, COMMUNITY = "post", "person", "community"
KINDS = (POST, PERSON, COMMUNITY)
UPSERT, REMOVE, RESET = "upsert", "remove", "reset"
# The audience token of a public post (any of the AS2 Public aliases).
PUBLIC_AUDIENCE = "public"
MAX_TEXT = 20_000  # characters of one thing's text indexed

_BLOCK_TAG = re.compile(r"<\s*/?\s*(p|br|li|div|blockquote|pre|h[1-6]|tr|td)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def stream_name(config: Config) -> str:
    return f"archipel-{config.queue_prefix}:search-index"


def plain_text(*values) -> str:
    """HTML to the words a reader sees (tags removed, entities decoded, NFKC)."""
    parts = []
    for value in values:
        if isinstance(value, str) and value:
            text = nh3.clean(_BLOCK_TAG.sub(" ", value), tags=set())
            parts.append(unicodedata.normalize("NFKC", html.unescape(text)))
    return _SPACES.sub(" ", " ".join(parts)).strip()[:MAX_TEXT]


def _epoch(value) -> int:
    try:
        return int(dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())
    except (TypeError, ValueError):
        return int(dt.datetime.now(dt.UTC).timestamp())


def post_event(obj: dict, author: str | None) -> dict:
    """What the index holds of a post: its words (content, summary, name, every language of
    ``contentMap``), tags, language, author, addressees and time."""
    content_map = obj.get("contentMap") if isinstance(obj.get("contentMap"), dict) else {}
    addressees = audience_of(obj)
    if is_public(addressees):
        addressees.append(PUBLIC_AUDIENCE)
    return {"op": UPSERT, "kind": POST, "id": id_of(obj), "author": author or "",
            "text": plain_text(obj.get("summary"), obj.get("name"), obj.get("content"),
                               *(v for k, v in content_map.items() if v != obj.get("content"))),
            "languages": sorted(str(k)[:2].lower() for k in content_map),
            "tags": names_of(obj), "audience": addressees, "published": _epoch(obj.get("published"))}


def person_event(actor: str, *, username: str, name: str = "", summary: str = "", fields=()) -> dict:
    """What the index holds of a person: handle, name, profile text and fields' values."""
    words = [name, summary] + [str(f.get("value", "")) for f in fields if isinstance(f, dict)]
    return {"op": UPSERT, "kind": PERSON, "id": actor, "author": "", "handle": username.lower(),
            "text": plain_text(*words), "audience": [PUBLIC_AUDIENCE], "tags": [], "languages": [],
            "published": 0}


def community_event(actor: str, *, slug: str, name: str, description: str = "", tags=(),
                    audience=()) -> dict:
    """What the index holds of a community: its handle, name, description and tags, and who
    may find it (``audience``: ``public``, the group or node audience, or only its own id —
    a hidden community is found by its members alone)."""
    return {"op": UPSERT, "kind": COMMUNITY, "id": actor, "author": "", "handle": slug.lower(),
            "text": plain_text(name, description), "tags": [str(t).lower() for t in tags],
            "audience": list(audience) or [actor], "languages": [], "published": 0}


def removal(kind: str, thing_id: str) -> dict:
    return {"op": REMOVE, "kind": kind, "id": thing_id}


def reset() -> dict:
    """Empty the index (a rebuild: the services then replay what they hold)."""
    return {"op": RESET, "kind": "", "id": ""}


def offer(client, config: Config, events: list[dict]) -> bool:
    """Append events to the index stream; False (logged) when Redis cannot take them — the
    thing is stored all the same, and ``python -m services.search rebuild`` repairs the index."""
    events = [e for e in events if e.get("op") == RESET or e.get("id")]
    if not events:
        return True
    try:
        pipe = client.pipeline(transaction=False)
        for event in events:
            pipe.xadd(stream_name(config), {"event": json.dumps(event)})
        pipe.execute()
        return True
    except Exception as exc:  # redis.RedisError, or a connection refused
        log.warning("search index events not queued (%s): rebuild the index to catch up", type(exc).__name__)
        return False


_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def notify(config: Config, events: list[dict]) -> bool:
    """``offer`` on the node's Redis (one client per process): what a producer calls once it
    has stored the change. Never raises."""
    with _lock:
        client = _clients.get(config.redis_url)
        if client is None:
            client = _clients[config.redis_url] = redis.Redis.from_url(
                config.redis_url, socket_timeout=2, socket_connect_timeout=1)
    return offer(client, config, events)


def replay_page(config: Config, rows, key: str, event_of, asked: dict) -> dict | None:
    """The server side of ``REPLAY`` (``asked``: its JSON body): ``rows`` (a queryset) by
    ``key`` after ``asked["after"]``, each one's event (``event_of``: None to skip it) queued,
    ``asked["limit"]`` of them (1..1000, else 500); None when the stream took none."""
    after = asked.get("after") if isinstance(asked.get("after"), str) else None
    wanted = asked.get("limit")
    limit = wanted if isinstance(wanted, int) and not isinstance(wanted, bool) and 0 < wanted <= 1000 else 500
    if after:
        rows = rows.filter(**{f"{key}__gt": after})
    page = list(rows.order_by(key).limit(limit))
    events = [e for e in (event_of(row) for row in page) if e is not None]
    if events and not notify(config, events):
        return None
    return {"count": len(events), "next": getattr(page[-1], key) if len(page) == limit else None}


def replay(transport: Transport, service: str) -> int:
    """Ask one service to queue the index events of everything it holds; how many."""
    total, after = 0, None
    while True:
        answer = transport.post_json(service, REPLAY, {"after": after, "limit": REPLAY_PAGE})
        total += int(answer["count"])
        after = answer.get("next")
        if not after:
            return total


class SearchClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def _ids(self, path: str, query: dict) -> list[str]:
        return list(self.transport.post_json(SERVICE, path, query)["ids"])

    def posts(self, q: str, *, audience: list[str], viewer: str | None = None, author: str | None = None,
              tag_prefix: str | None = None, limit: int = 20, offset: int = 0) -> list[str]:
        """Ids of the posts whose words match every word of ``q`` (and with a hashtag
        starting with ``tag_prefix``), addressed to one of ``audience`` or written by
        ``viewer``, newest first."""
        return self._ids(POSTS, {"q": q, "audience": list(audience), "viewer": viewer, "author": author,
                                 "tag_prefix": tag_prefix, "limit": limit, "offset": offset})

    def people(self, q: str, *, limit: int = 40, offset: int = 0) -> list[str]:
        return self._ids(PEOPLE, {"q": q, "limit": limit, "offset": offset})

    def communities(self, q: str, *, audience: list[str], limit: int = 40, offset: int = 0) -> list[str]:
        return self._ids(COMMUNITIES, {"q": q, "audience": list(audience), "limit": limit, "offset": offset})
