"""The communities service's contract: activities for Groups, who may see a community."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fedkit.contracts import Transport, json_if_ok, path_of
from fedkit.runtime.internal import identity_headers

log = logging.getLogger(__name__)

SERVICE = "communities"

INBOX = "/internal/inbox"  # POST {activity, also_to}: verified and stored by the inbox
ADMITS = "/internal/admits"  # GET ?community=&actor=&kind=
WEBFINGER = "/internal/webfinger"  # GET ?name=&actor=&kind=
COMMUNITY = "/communities/<slug>"  # GET: the Group's public document


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
