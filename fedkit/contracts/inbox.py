"""The inbox service's contract: follow state, received activities, local delivery."""

from __future__ import annotations

from fedkit.contracts import (
    Transport,
    as_reader,
    get_page,
    json_if_ok,
    object_as_reader,
    path_of,
    posts_page,
)

SERVICE = "inbox"

FOLLOWERS = "/internal/users/<username>/followers"  # GET: accepted followers' ids
IS_FOLLOWER = "/internal/users/<username>/is-follower"  # GET ?actor=
FOLLOWS_ACCEPTED = "/internal/follows/accepted"  # GET ?follower=&followee=
LOCAL_DELIVERY = "/internal/local-delivery"  # POST {activity, also_to, plan, object_stored}: a local actor's activity
FOLLOW_REQUEST = "/internal/follow-request"  # GET ?id=: the Follow behind a relation
INVITATION = "/internal/invitation"  # GET ?id=&invitee=: an Invite a local user received
# For the client API (services/api):
FOLLOW_COUNTS = "/internal/follows/counts"  # GET ?actor=: followers, following, follow requests
FOLLOW_COUNTS_EACH = "/internal/follows/counts/each"  # POST {actors}: ``FOLLOW_COUNTS`` of each, {"counts": {actor: …}}
FOLLOWS_PAGE = "/internal/follows"  # GET ?actor=&which=&limit=&max_id=&since_id=&min_id=
RELATIONSHIPS = "/internal/relationships"  # GET ?actor=&other=…: follow state both ways
FOLLOW_NOTIFY = "/internal/follows/notify"  # POST {follower, followee, notify}: subscribe to new posts
# Read as the requester (fedkit.contracts.as_reader):
OBJECT = "/internal/objects"  # GET ?id=: an object this node received, if the requester may see it
REPLIES = "/internal/replies"  # GET ?id=: the objects answering it that the requester may see
HOME = "/internal/users/<username>/home"  # GET ?limit=&max_id=&since_id=&min_id=: posts in the inbox
POSTS = "/internal/posts"  # GET ?author=&stream=&exclude_replies=&limit=&max_id=…: posts this node has
RELAYS = "/internal/relays"  # GET ?actor=&limit=&max_id=&since_id=&min_id=: a Group's Announces received
NOTIFICATIONS = "/internal/users/<username>/notifications"  # GET ?types=&exclude_types=&limit=&…; DELETE: clear
NOTIFICATION = "/internal/users/<username>/notifications/<number>"  # GET; DELETE: dismiss
FAVOURITES = "/internal/users/<username>/favourites"  # GET ?limit=&max_id=&since_id=&min_id=: what they liked
INTERACTIONS = "/internal/interactions"  # GET ?id=: counts, and the requester's own Like/Announce of it
OWN_VOTES = "/internal/users/<username>/votes"  # GET ?question=: the options a local user voted for
OBJECT_HISTORY = "/internal/objects/history"  # GET ?id=: a received object's earlier versions
INTERACTIONS_PAGE = "/internal/interactions/page"  # POST {ids}: ``INTERACTIONS`` of each, {"items": {id: …}}
INTERACTION_ACTORS = "/internal/interactions/actors"  # GET ?id=&kind=&limit=&max_id=&since_id=&min_id=
POSTS_MATCHING = "/internal/posts/matching"  # GET ?q=&any=&all=&none=&author=&local=&limit=&offset=&max_id=…
TAGS = "/internal/tags"  # GET ?q=&limit=: hashtags of the posts the requester may see, by prefix
OBJECT_RESOLVE = "/internal/objects/resolve"  # POST {id, fetch}: a remote post by id or page, if visible


class InboxClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def followers(self, username: str) -> list[str]:
        """Actor ids (local and remote) that follow the local user, accepted."""
        return list(self.transport.get_json(SERVICE, path_of(FOLLOWERS, username=username))["followers"])

    def is_follower(self, username: str, actor: str) -> bool:
        data = self.transport.get_json(SERVICE, path_of(IS_FOLLOWER, username=username), params={"actor": actor})
        return bool(data.get("follower"))

    def follows_accepted(self, follower: str, followee: str) -> bool:
        data = self.transport.get_json(SERVICE, FOLLOWS_ACCEPTED,
                                       params={"follower": follower, "followee": followee})
        return bool(data.get("accepted"))

    def deliver_locally(self, activity: dict, also_to: list[str], plan: dict | None = None,
                        object_stored: bool = False) -> dict | None:
        """Apply a local actor's activity here as if received; ``also_to``: the local actors
        it names (bto/bcc included); ``plan``: its audience plan (fedkit.rules.audience);
        ``object_stored``: the outbox holds its object (the inbox keeps only its routing facts)."""
        payload = {"activity": activity, "also_to": also_to}
        if plan is not None:
            payload["plan"] = plan
        if object_stored:
            payload["object_stored"] = True
        return self.transport.post_json(SERVICE, LOCAL_DELIVERY, payload)

    def follow_request(self, follow_id: str) -> dict | None:
        """The Follow activity behind a pending or accepted relation; None if unknown."""
        return json_if_ok(self.transport.request("GET", SERVICE, FOLLOW_REQUEST, params={"id": follow_id}))

    def invitation(self, invite_id: str, invitee: str) -> dict | None:
        """An Invite of ``invitee`` this node received; None if there is none."""
        return json_if_ok(self.transport.request("GET", SERVICE, INVITATION,
                                                 params={"id": invite_id, "invitee": invitee}))

    def follow_counts(self, actor: str) -> dict:
        """{"followers", "following", "follow_requests"} of an actor, as this node knows them."""
        return self.transport.get_json(SERVICE, FOLLOW_COUNTS, params={"actor": actor})

    def follow_counts_of_each(self, actors: list[str]) -> dict[str, dict]:
        """``follow_counts`` of each actor, in one call: {actor: counts}."""
        if not actors:
            return {}
        return dict(self.transport.post_json(SERVICE, FOLLOW_COUNTS_EACH, {"actors": list(actors)})["counts"])

    def follows_page(self, actor: str, which: str, *, limit: int, max_id: str | None = None,
                     since_id: str | None = None, min_id: str | None = None) -> list[dict] | None:
        """One page of an actor's accepted followers (``which="followers"``) or followees
        (``"following"``), or of the follow requests awaiting its approval (``"requests"``),
        newest first: [{"actor", "cursor"}]; None when a cursor is not one this node gave."""
        params = {"actor": actor, "which": which, "limit": limit, "max_id": max_id, "since_id": since_id,
                  "min_id": min_id}
        return get_page(self.transport, SERVICE, FOLLOWS_PAGE, params)

    def relationships(self, actor: str, others: list[str]) -> dict:
        """{other: {"following": state|None, "followed_by": state|None, "follow_id": id|None,
        "notifying": bool}} between ``actor`` and each of ``others`` (state: "accepted" or
        "pending"; follow_id: the id of ``actor``'s Follow of ``other``; notifying: ``actor``
        subscribed to ``other``'s new posts)."""
        return self.transport.get_json(SERVICE, RELATIONSHIPS, params={"actor": actor, "other": others})

    def set_follow_notify(self, follower: str, followee: str, notify: bool) -> None:
        """Subscribe ``follower`` to ``followee``'s new posts (``status`` notifications), or not."""
        resp = self.transport.request("POST", SERVICE, FOLLOW_NOTIFY,
                                      json={"follower": follower, "followee": followee, "notify": notify})
        resp.raise_for_status()

    def received_object(self, object_id: str, *, user: str | None, scopes=()) -> tuple[int, dict | None]:
        """(200, object) if this reader may see it, (410, Tombstone) once deleted, (404, None)
        when this node does not know it or hides it from them."""
        return object_as_reader(self.transport, SERVICE, OBJECT, object_id, as_reader(user, scopes))

    def replies(self, object_id: str, *, user: str | None, scopes=()) -> list[dict]:
        """The objects answering ``object_id`` that this reader may see, oldest first."""
        resp = self.transport.request("GET", SERVICE, REPLIES, params={"id": object_id},
                                      headers=as_reader(user, scopes))
        resp.raise_for_status()
        return list(resp.json()["items"])

    def home(self, username: str, *, scopes=(), limit: int = 20, max_id: str | None = None,
             since_id: str | None = None, min_id: str | None = None) -> list[dict] | None:
        """The posts in a user's inbox (Create, Announce), newest first, as the inbox
        collection shows them to its owner: [{"activity", "cursor"}]; None for a bad cursor."""
        params = {"limit": limit, "max_id": max_id, "since_id": since_id, "min_id": min_id}
        return get_page(self.transport, SERVICE, path_of(HOME, username=username), params,
                        headers=as_reader(username, scopes))

    def posts(self, *, user: str | None, scopes=(), author: str | None = None, stream: bool = False,
              exclude_replies: bool = False, limit: int = 20, max_id: str | None = None,
              since_id: str | None = None, min_id: str | None = None) -> list[dict] | None:
        """Posts this node received or delivered locally that this reader may see, newest
        first: one author's, or (``stream``) those addressed to the public or the group:
        [{"object", "cursor"}]; None when a cursor is not one this node gave out."""
        return posts_page(self.transport, SERVICE, POSTS, user=user, scopes=scopes, author=author,
                          stream=stream, exclude_replies=exclude_replies, limit=limit, max_id=max_id,
                          since_id=since_id, min_id=min_id)

    def relays(self, group: str, *, user: str | None, scopes=(), limit: int = 20, max_id: str | None = None,
               since_id: str | None = None, min_id: str | None = None) -> list[dict] | None:
        """A Group of another node as this node knows it (its community's relays, FEP-1b12,
        and what this node's people sent to it) that this reader may see, newest first:
        [{"activity" (an Announce naming its post by id, or a Create), "cursor"}]; None for
        a cursor never given out."""
        return get_page(self.transport, SERVICE, RELAYS, {"actor": group, "limit": limit, "max_id": max_id,
                                                          "since_id": since_id, "min_id": min_id},
                        headers=as_reader(user, scopes))

    def interactions(self, object_id: str, *, user: str | None, scopes=()) -> dict:
        """What this node knows of an object's Likes, Announces and replies, read as the
        requester: {"favourites", "reblogs", "replies" (those the reader may see),
        "favourite_id", "reblog_id" (the reader's own Like/Announce activity id, or None)}."""
        return self.transport.get_json(SERVICE, INTERACTIONS, params={"id": object_id},
                                       headers=as_reader(user, scopes))

    def interactions_page(self, object_ids: list[str], *, user: str | None, scopes=()) -> dict[str, dict]:
        """``interactions`` of each of ``object_ids`` in one call (a timeline page): {id: {…}}."""
        resp = self.transport.request("POST", SERVICE, INTERACTIONS_PAGE, json={"ids": list(object_ids)},
                                      headers=as_reader(user, scopes))
        resp.raise_for_status()
        return dict(resp.json()["items"])

    def interaction_actors(self, object_id: str, kind: str, *, limit: int = 40, max_id: str | None = None,
                           since_id: str | None = None, min_id: str | None = None) -> list[dict] | None:
        """Who liked (``kind="Like"``) or announced (``"Announce"``) an object, newest first:
        [{"actor", "cursor"}]; None when a cursor is not one this node gave out."""
        params = {"id": object_id, "kind": kind, "limit": limit, "max_id": max_id, "since_id": since_id,
                  "min_id": min_id}
        return get_page(self.transport, SERVICE, INTERACTION_ACTORS, params)

    def favourites(self, username: str, *, scopes=(), limit: int = 20, max_id: str | None = None,
                   since_id: str | None = None, min_id: str | None = None) -> list[dict] | None:
        """The objects a local user liked, newest like first: [{"object_id", "cursor"}];
        None when a cursor is not one this node gave out."""
        params = {"limit": limit, "max_id": max_id, "since_id": since_id, "min_id": min_id}
        return get_page(self.transport, SERVICE, path_of(FAVOURITES, username=username), params,
                        headers=as_reader(username, scopes))

    def notifications(self, username: str, *, scopes=(), types=(), exclude_types=(), limit: int = 40,
                      max_id: str | None = None, since_id: str | None = None,
                      min_id: str | None = None) -> list[dict] | None:
        """A user's notifications, newest first: [{"id", "type", "actor", "object_id",
        "created_at"}] (``id`` is the cursor); None when a cursor is not one this node gave out."""
        params = {"types": list(types), "exclude_types": list(exclude_types), "limit": limit,
                  "max_id": max_id, "since_id": since_id, "min_id": min_id}
        return get_page(self.transport, SERVICE, path_of(NOTIFICATIONS, username=username), params,
                        headers=as_reader(username, scopes))

    def notification(self, username: str, number: str, *, scopes=()) -> dict | None:
        """One of a user's notifications, or None."""
        resp = self.transport.request("GET", SERVICE, path_of(NOTIFICATION, username=username, number=number),
                                      headers=as_reader(username, scopes))
        if resp.status_code in (400, 404):
            return None
        resp.raise_for_status()
        return resp.json()

    def dismiss_notification(self, username: str, number: str, *, scopes=()) -> bool:
        """Delete one of a user's notifications; False when there is no such one."""
        resp = self.transport.request("DELETE", SERVICE,
                                      path_of(NOTIFICATION, username=username, number=number),
                                      headers=as_reader(username, scopes))
        if resp.status_code in (400, 404):
            return False
        resp.raise_for_status()
        return True

    def clear_notifications(self, username: str, *, scopes=()) -> None:
        resp = self.transport.request("DELETE", SERVICE, path_of(NOTIFICATIONS, username=username),
                                      headers=as_reader(username, scopes))
        resp.raise_for_status()

    def own_votes(self, username: str, question: str) -> list[str]:
        """The titles of the options a local user voted for in a poll (local or remote)."""
        data = self.transport.get_json(SERVICE, path_of(OWN_VOTES, username=username), params={"question": question})
        return list(data["choices"])

    def earlier_versions(self, object_id: str, *, user: str | None, scopes=()) -> list[dict] | None:
        """A received object's versions before its edits, oldest first, if this reader may
        see it; None when it is missing or hidden from them."""
        resp = self.transport.request("GET", SERVICE, OBJECT_HISTORY, params={"id": object_id},
                                      headers=as_reader(user, scopes))
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return list(resp.json()["items"])

    def posts_matching(self, *, user: str | None, scopes=(), q: str = "", any_tags=(), all_tags=(),
                       none_tags=(), author: str | None = None, local: bool = False, limit: int = 20,
                       offset: int = 0, max_id: str | None = None, since_id: str | None = None,
                       min_id: str | None = None) -> list[dict] | None:
        """Posts this reader may see with a hashtag among ``any_tags`` (and all of
        ``all_tags``, none of ``none_tags``) and/or a text matching ``q``, newest first:
        [{"object", "cursor"}]; None when a cursor is not one this node gave out."""
        params = {"q": q or None, "any": list(any_tags), "all": list(all_tags), "none": list(none_tags),
                  "author": author, "local": "1" if local else None, "limit": limit, "offset": offset or None,
                  "max_id": max_id, "since_id": since_id, "min_id": min_id}
        return get_page(self.transport, SERVICE, POSTS_MATCHING, params,
                        headers=as_reader(user, scopes))

    def tags(self, prefix: str, *, user: str | None, scopes=(), limit: int = 20) -> list[dict]:
        """Hashtags starting with ``prefix`` on posts this reader may see, most used first:
        [{"name", "uses"}]."""
        resp = self.transport.request("GET", SERVICE, TAGS, params={"q": prefix, "limit": limit},
                                      headers=as_reader(user, scopes))
        resp.raise_for_status()
        return list(resp.json()["items"])

    def resolve_object(self, url: str, *, user: str, scopes=(), fetch: bool = False) -> dict | None:
        """The remote post at ``url`` (its id or its web page) for this local user — held
        already, or (``fetch``) fetched from its origin as them and kept — if they may see
        it; else None."""
        resp = self.transport.request("POST", SERVICE, OBJECT_RESOLVE, json={"id": url, "fetch": fetch},
                                      headers=as_reader(user, scopes))
        if resp.status_code in (400, 404):
            return None
        resp.raise_for_status()
        return resp.json()
