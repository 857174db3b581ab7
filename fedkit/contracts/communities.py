"""The communities service's contract: activities for Groups, who may see a community."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fedkit.contracts import Transport, as_reader, get_page, json_if_ok, path_of
from fedkit.runtime.internal import identity_headers

log = logging.getLogger(__name__)

SERVICE = "communities"

INBOX = "/internal/inbox"  # POST {activity, also_to}: verified and stored by the inbox
ADMITS = "/internal/admits"  # GET ?community=&actor=&kind=
WEBFINGER = "/internal/webfinger"  # GET ?name=&actor=&kind=
COMMUNITY = "/communities/<slug>"  # GET: the Group's public document
LISTING = "/communities"  # GET: this node's communities the reader sees, with their membership and role
# For the client API, as a local reader (404: no such community, or hidden from them):
ACCOUNT = "/internal/communities/<slug>/account"  # GET: the Group, its counts, the reader's standing
RELAYS = "/internal/communities/<slug>/relays"  # GET ?limit=&max_id=&since_id=&min_id=: its Announces
MEMBERS = "/internal/communities/<slug>/members"  # GET ?limit=&max_id=&since_id=&min_id=: its members
# POST {actor}: a node moderator's exclusion after a report (the client API checked the role)
BAN = "/internal/communities/<slug>/ban"
# POST {object, to}: move a post of this community to community ``to`` (a slug) on a
# moderator's decision (the client API checked the roles): 200 {object}: the post as now
# addressed; 404 no such post or community; 422 {error, error_description}: refused
# (fedkit/rules/community_moves.py).
POST_MOVE = "/internal/communities/<slug>/posts/move"
# GET ?actor=: {"communities": [ids]} of this node's communities the actor belongs to (member or invited)
READABLE_BY = "/internal/readable-communities"  # GET ?actor=&kind=: communities whose posts a viewer may read
# POST {actor, entry}: this node's directory changed a person (entry: their people-directory
# entry now, null once closed); dynamic communities' rule memberships follow at once
DIRECTORY_CHANGED = "/internal/directory-changed"


@dataclass(frozen=True)
class Admission:
    admits: bool  # the viewer may see the community and what is addressed to it
    actor_document: bool = False  # the viewer may fetch the Group's actor document


class CommunitiesClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def deliver(self, activity: dict, also_to: list[str]) -> dict | None:
        """An activity that concerns a local community."""
        return self.transport.post_json(SERVICE, INBOX, {"activity": activity, "also_to": also_to})

    def admission(self, community: str, actor: str, kind: str) -> Admission:
        """May this viewer (actor id or "", fedkit.rules.policy kind) see the community (its id)?
        Closed by default: an unknown community or a failed answer admits no one."""
        resp = self.transport.request("GET", SERVICE, ADMITS,
                                      params={"community": community, "actor": actor, "kind": kind})
        if resp.status_code != 200:
            if resp.status_code != 404:
                log.warning("communities %s answered %s for %s", ADMITS, resp.status_code, community)
            return Admission(admits=False)
        data = resp.json()
        return Admission(admits=bool(data.get("admits")), actor_document=bool(data.get("actor_document")))

    def readable_by(self, actor: str | None, kind: str) -> list[str]:
        """Ids of this node's communities whose posts this viewer (``kind``: the policy's viewer
        kinds) may read: those they belong to and those they see without joining (the
        search's audiences)."""
        return list(self.transport.get_json(SERVICE, READABLE_BY,
                                            params={"actor": actor or "", "kind": kind})["communities"])

    def webfinger(self, name: str, actor: str, kind: str) -> dict | None:
        """``{"actor", "slug"}`` of the community named ``name`` if this viewer may see it."""
        return json_if_ok(self.transport.request("GET", SERVICE, WEBFINGER,
                                                 params={"name": name, "actor": actor, "kind": kind}))

    def document_as_seen_by(self, slug: str, username: str) -> dict | None:
        """The Group's document as a local user reads it (its visibility policy applied);
        None when that user may not see it, or it is gone."""
        headers = {**identity_headers(user=username, scopes="read", viewer="local"),
                   "Accept": "application/activity+json"}
        return json_if_ok(self.transport.request("GET", SERVICE, path_of(COMMUNITY, slug=slug), headers=headers))

    def listing(self, *, user: str, scopes=()) -> list[dict]:
        """This node's communities the local user sees, each with their ``membership`` and
        ``role`` (None when they are no member)."""
        resp = self.transport.request("GET", SERVICE, LISTING, headers=as_reader(user, scopes))
        resp.raise_for_status()
        items = resp.json().get("items")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def account(self, slug: str, *, user: str, scopes=()) -> dict | None:
        """A local community as this local reader sees it: ``{"document"`` (the Group),
        ``"members", "posts"`` (counts), ``"membership", "role"`` (the reader's, or None),
        ``"may_post"`` (None, or why the reader may not post to it)``}``; None when the
        reader may not see it or it does not exist."""
        return json_if_ok(self.transport.request("GET", SERVICE, path_of(ACCOUNT, slug=slug),
                                                 headers=as_reader(user, scopes)))

    def relays(self, slug: str, *, user: str, scopes=(), limit: int = 20, max_id: str | None = None,
               since_id: str | None = None, min_id: str | None = None) -> list[dict] | None:
        """The community's relays (FEP-1b12 Announces of its members' posts) this reader may
        see, newest first: [{"activity", "cursor"}]; [] when the community is hidden from
        them; None when a cursor is not one the service gave out."""
        return self._page(RELAYS, slug, user=user, scopes=scopes, limit=limit, max_id=max_id, since_id=since_id,
                          min_id=min_id)

    def members(self, slug: str, *, user: str, scopes=(), limit: int = 40, max_id: str | None = None,
                since_id: str | None = None, min_id: str | None = None) -> list[dict] | None:
        """The community's members, newest first: [{"actor", "cursor"}]; [] when the
        community is hidden from this reader; None for a cursor the service never gave out."""
        return self._page(MEMBERS, slug, user=user, scopes=scopes, limit=limit, max_id=max_id, since_id=since_id,
                          min_id=min_id)

    def directory_changed(self, actor: str, entry: dict | None) -> dict:
        """This node's directory changed ``actor`` (``entry``: their directory entry, None once
        closed): ``{"changed": {slug: {"added": [...], "removed": [...]}}}``."""
        return self.transport.post_json(SERVICE, DIRECTORY_CHANGED, {"actor": actor, "entry": entry})

    def ban(self, slug: str, actor: str) -> bool:
        """Ban ``actor`` from the local community; False when there is no such community or
        the actor is its owner."""
        resp = self.transport.request("POST", SERVICE, path_of(BAN, slug=slug), json={"actor": actor})
        if resp.status_code in (404, 422):
            return False
        resp.raise_for_status()
        return True

    def move_post(self, slug: str, object_id: str, target: str) -> tuple[int, dict]:
        """Move a post of community ``slug`` to community ``target``: (200, {"object"}) or a
        refusal's (status, {"error", "error_description"})."""
        resp = self.transport.request("POST", SERVICE, path_of(POST_MOVE, slug=slug),
                                      json={"object": object_id, "to": target})
        if resp.status_code >= 500:
            resp.raise_for_status()
        return resp.status_code, resp.json()

    def _page(self, rule: str, slug: str, *, user: str, scopes, limit: int, max_id: str | None,
              since_id: str | None, min_id: str | None) -> list[dict] | None:
        params = {"limit": limit, "max_id": max_id, "since_id": since_id, "min_id": min_id}
        return get_page(self.transport, SERVICE, path_of(rule, slug=slug), params,
                        headers=as_reader(user, scopes), hidden_is_empty=True)
