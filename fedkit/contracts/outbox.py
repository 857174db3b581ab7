"""The outbox service's contract: publishing for local actors, local objects."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fedkit.contracts import Transport, as_reader, json_if_ok, object_as_reader, path_of, posts_page
from fedkit.runtime.internal import identity_headers

log = logging.getLogger(__name__)

SERVICE = "outbox"

SEND = "/internal/users/<username>/send"  # POST: publish an activity as a local user
ACTORS_SEND = "/internal/actors/send"  # POST {activity, recipients}: for a node actor
OBJECTS_REMOVE = "/internal/objects/remove"  # POST {id, community}: a community removed a post
# POST {id, from, to, also_to}: a community moved a local post to another community of this
# node (services/outbox/moving.py); 200 {object}: the post as it is now addressed.
OBJECT_MOVE = "/internal/objects/move"
OBJECT_AUTHOR = "/internal/objects/author"  # GET ?id=: who wrote a local object
LOCAL_OBJECTS = "/internal/objects/held"  # POST {ids}: the local posts among them, for the inbox to show
STATS = "/internal/stats"  # GET: counts for NodeInfo; ?author=: one local actor's posts
STATS_EACH = "/internal/stats/each"  # POST {authors}: each local actor's posts, {"posts": {author: n}}
REMOTE_ACTOR = "/internal/actors"  # GET ?id=: a remote actor's document, cached or fetched
KNOWN_ACTOR = "/internal/actors/known"  # GET ?username=&host=: a remote actor already cached
ACTORS_SEARCH = "/internal/actors/search"  # GET ?q=&limit=: known remote actors a query names
ACTOR_RESOLVE = "/internal/actors/resolve"  # GET ?acct=user@host (WebFinger) or ?url=: the actor fetched
# For the client API (services/api), each read as the requester (fedkit.contracts.as_reader):
PUBLISH = "/internal/users/<username>/publish"  # POST: what a C2S POST to the user's outbox does
OBJECT = "/internal/objects"  # GET ?id=: a local object, if the requester may see it
POSTS = "/internal/posts"  # GET ?author=&stream=&exclude_replies=&limit=&max_id=&since_id=&min_id=
REMOTE_MEDIA = "/internal/users/<username>/remote-media"  # GET ?url=: a remote file, fetched signed as the user
POLL_VOTE = "/internal/polls/vote"  # POST {question, voter, choice, activity}: count a vote on a local poll
OBJECT_HISTORY = "/internal/objects/history"  # GET ?id=: a local object's earlier versions, oldest first
PROXY = "/proxy"  # POST {id}: ActivityPub endpoints.proxyUrl, a document fetched signed as the user


@dataclass(frozen=True)
class Published:
    """What publishing as a user gave: the activity (``status`` 201), or the data-loss
    prevention guard's answer — blocked (422), held for review (202) — or another refusal;
    ``body`` is the outbox's JSON answer."""

    status: int
    body: dict


class OutboxClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def send_as(self, username: str, activity: dict) -> dict | None:
        """Publish ``activity`` as the local user (e.g. an Accept the inbox answers with)."""
        return self.transport.post_json(SERVICE, path_of(SEND, username=username), activity)

    def send_for_actor(self, activity: dict, recipients: list[str]) -> dict | None:
        """Store and fan out an activity another service prepared for a node actor it owns,
        to exactly ``recipients`` (actor ids)."""
        return self.transport.post_json(SERVICE, ACTORS_SEND, {"activity": activity, "recipients": recipients})

    def fetch_as(self, url: str, *, user: str, scopes=()) -> dict | None:
        """An ActivityStreams document fetched signed as a local user (``PROXY``); None when
        the origin does not give it to them."""
        return json_if_ok(self.transport.request("POST", SERVICE, PROXY, json={"id": url},
                                                 headers=as_reader(user, scopes)))

    def remove_for_community(self, object_id: str, community: str) -> bool:
        """A community removed a local post addressed to it: the original goes too. False
        when the outbox refuses (not that community's right); a 5xx raises."""
        resp = self.transport.request("POST", SERVICE, OBJECTS_REMOVE, json={"id": object_id, "community": community})
        if resp.status_code >= 500:
            resp.raise_for_status()
        if resp.status_code == 403:
            log.warning("the outbox refused %s's removal of %s: %s", community, object_id, resp.text[:200])
            return False
        return True  # removed, or already gone (404)

    def move_post(self, object_id: str, source: str, target: str, also_to: list[str]) -> dict | None:
        """Readdress a local post from community ``source`` to ``target`` and federate its
        author's Update (also, hidden, to ``also_to``); the post as moved, None when the
        outbox has no such post addressed to ``source``. Another refusal raises."""
        resp = self.transport.request("POST", SERVICE, OBJECT_MOVE, json={
            "id": object_id, "from": source, "to": target, "also_to": also_to})
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()["object"]

    def object_author(self, object_id: str) -> str | None:
        resp = self.transport.request("GET", SERVICE, OBJECT_AUTHOR, params={"id": object_id})
        return resp.json().get("author") if resp.status_code == 200 else None

    def local_objects(self, object_ids: list[str]) -> dict[str, dict]:
        """{id: the post as the outbox holds it (no bto/bcc; a Tombstone once deleted)} for
        those of ``object_ids`` that are this node's posts: the one copy, which the inbox
        shows in its reader's pages after its own visibility check (one call per page)."""
        return dict(self.transport.post_json(SERVICE, LOCAL_OBJECTS, {"ids": list(object_ids)})["objects"])

    def local_posts(self) -> int:
        return self.transport.get_json(SERVICE, STATS).get("local_posts", 0)

    def posts_of(self, author: str) -> int:
        """How many posts (not deleted) a local actor wrote."""
        return int(self.transport.get_json(SERVICE, STATS, params={"author": author}).get("posts", 0))

    def posts_of_each(self, authors: list[str]) -> dict[str, int]:
        """``posts_of`` of each author, in one call: {author: n}."""
        if not authors:
            return {}
        return {a: int(n) for a, n in self.transport.post_json(SERVICE, STATS_EACH, {"authors": list(authors)})["posts"].items()}

    def remote_actor(self, actor_id: str) -> dict | None:
        """A remote actor's document (the node's cache, or fetched through the SSRF guard);
        None when it cannot be had or is suspended at its origin."""
        resp = self.transport.request("GET", SERVICE, REMOTE_ACTOR, params={"id": actor_id})
        if resp.status_code in (404, 410):
            return None
        resp.raise_for_status()
        return resp.json()

    def known_actor(self, username: str, host: str) -> dict | None:
        """A remote actor this node already knows by preferredUsername and host, or None."""
        resp = self.transport.request("GET", SERVICE, KNOWN_ACTOR, params={"username": username, "host": host})
        if resp.status_code in (400, 404):
            return None
        resp.raise_for_status()
        return resp.json()

    def search_actors(self, query: str, *, limit: int = 40) -> list[dict]:
        """Documents of the known remote actors ``query`` names (username, address or
        display name prefix, or an actor id)."""
        return list(self.transport.get_json(SERVICE, ACTORS_SEARCH, params={"q": query, "limit": limit})["items"])

    def resolve_actor(self, acct: str | None = None, *, url: str | None = None) -> dict | None:
        """A remote actor's document found by WebFinger for ``acct`` (``user@host``) or by
        ``url`` (its id or profile page), fetched and cached; None when it cannot be had or
        is suspended."""
        params = {"acct": acct} if acct else {"url": url or ""}
        resp = self.transport.request("GET", SERVICE, ACTOR_RESOLVE, params=params)
        if resp.status_code in (400, 404, 410):
            return None
        resp.raise_for_status()
        return resp.json()

    def publish(self, username: str, activity: dict) -> Published:
        """Publish as the local user exactly as a C2S POST to their outbox does (the DLP
        guard, ids, addressing, audiences); a 5xx other than the guard's 503 raises."""
        resp = self.transport.request("POST", SERVICE, path_of(PUBLISH, username=username), json=activity)
        body = resp.json() if resp.headers.get("Content-Type", "").startswith("application/json") else {}
        if resp.status_code >= 500 and body.get("error") != "dlp_unavailable":
            resp.raise_for_status()
        return Published(resp.status_code, body if isinstance(body, dict) else {})

    def local_object(self, object_id: str, *, user: str | None, scopes=(), signer: str | None = None,
                     viewer: str | None = None) -> tuple[int, dict | None]:
        """(200, object) if this reader may see the local object, (410, Tombstone) once it is
        deleted, (404, None) when it is missing or hidden from them. The reader is a local
        user, or (``signer``, ``viewer``) a verified signer as the gateway classified it."""
        headers = identity_headers(signer=signer, viewer=viewer) if signer and not user else as_reader(user, scopes)
        return object_as_reader(self.transport, SERVICE, OBJECT, object_id, headers)

    def posts(self, *, user: str | None, scopes=(), author: str | None = None, stream: bool = False,
              exclude_replies: bool = False, limit: int = 20, max_id: str | None = None,
              since_id: str | None = None, min_id: str | None = None) -> list[dict] | None:
        """Local posts this reader may see, newest first: one author's (``author``) or the
        node's stream (``stream``: public, group and node posts): [{"object", "cursor"}];
        None when a cursor is not one this node gave out."""
        return posts_page(self.transport, SERVICE, POSTS, user=user, scopes=scopes, author=author,
                          stream=stream, exclude_replies=exclude_replies, limit=limit, max_id=max_id,
                          since_id=since_id, min_id=min_id)

    def remote_media(self, username: str, url: str) -> tuple[int, str, bytes]:
        """(200, content type, bytes) of a remote attachment fetched with a GET signed as
        the local user (the origin checks the post's audience against them); else
        (status, "", b"") — 404 when the origin refuses or it cannot be had."""
        resp = self.transport.request("GET", SERVICE, path_of(REMOTE_MEDIA, username=username),
                                      params={"url": url})
        if resp.status_code != 200:
            return (404 if resp.status_code < 500 else resp.status_code), "", b""
        return 200, resp.headers.get("Content-Type", "application/octet-stream"), resp.content

    def count_vote(self, question: str, voter: str, choice: str, activity_id: str | None) -> tuple[bool, str]:
        """Count a vote on a local poll (the outbox then sends the new totals): (True, "")
        or (False, why it was refused: "not_a_poll", "poll_ended", "already_voted"…)."""
        resp = self.transport.request("POST", SERVICE, POLL_VOTE, json={
            "question": question, "voter": voter, "choice": choice, "activity": activity_id})
        if resp.status_code >= 500:
            resp.raise_for_status()
        return resp.status_code == 200, "" if resp.status_code == 200 else str(resp.json().get("error", ""))

    def earlier_versions(self, object_id: str, *, user: str | None, scopes=()) -> list[dict] | None:
        """A local object's versions before its edits, oldest first, if this reader may see
        it; None when it is missing or hidden from them."""
        resp = self.transport.request("GET", SERVICE, OBJECT_HISTORY, params={"id": object_id},
                                      headers=as_reader(user, scopes))
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return list(resp.json()["items"])
