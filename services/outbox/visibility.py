"""May this requester see this object or activity? The outbox asks fedkit.policy.

The policy module decides (public, the ``group`` and ``node`` audiences, addressees,
followers, communities); this module only gathers the facts the outbox does not own:
the follow state (the inbox service), a local community's population (the communities
service) and what the node knows of a remote Group (its cached document and the
inbox's follow state).
"""

from __future__ import annotations

import logging

from fedkit.actors import CachedActor
from fedkit.config import Config
from fedkit.internal import InternalClient, Requester
from fedkit.policy import Viewer, may_see_object, viewer_of
from fedkit.registry import load_registry
from fedkit.vocab import GROUP
from services.outbox.addressing import username_of

log = logging.getLogger(__name__)

COMMUNITY_VISIBILITIES_FOR_GROUP = ("group", "public")


def requester_actor(requester: Requester, config: Config) -> str | None:
    """The requester's actor id (None when anonymous)."""
    return viewer_of(requester, config).actor


def local_community_of(addressee: str, config: Config) -> str | None:
    """The community actor id when ``addressee`` is a local community or its followers."""
    prefix = config.base_url + "/communities/"
    if not addressee.startswith(prefix):
        return None
    parts = addressee[len(prefix):].split("/")
    if len(parts) == 1 and parts[0]:
        return addressee
    if len(parts) == 2 and parts[0] and parts[1] == "followers":
        return prefix + parts[0]
    return None


def remote_group_of(addressee: str) -> CachedActor | None:
    """The cached remote Group actor when ``addressee`` is one, or its followers collection."""
    cached = CachedActor.objects(actor_id=addressee).first()
    if cached is None and addressee.endswith("/followers"):
        cached = CachedActor.objects(actor_id=addressee[: -len("/followers")]).first()
        if cached is not None and cached.followers != addressee:
            cached = None
    return cached if cached is not None and cached.actor_type == GROUP else None


class _Facts:
    """The outbox's answers to the policy's questions about one author's object."""

    def __init__(self, author: str, config: Config, internal: InternalClient):
        self.author = author
        self.config = config
        self.internal = internal

    def is_follower_of_author(self, actor: str) -> bool:
        username = username_of(self.author, self.config)
        if username is None:
            return False  # only local Person authors have a follower list here
        data = self.internal.get_json("inbox", f"/internal/users/{username}/is-follower",
                                      params={"actor": actor})
        return bool(data.get("follower"))

    def community_admits(self, addressee: str, viewer: Viewer) -> bool | None:
        community = local_community_of(addressee, self.config)
        if community is not None:
            return self._local_community_admits(community, viewer)
        group = remote_group_of(addressee)
        if group is not None:
            return self._remote_group_admits(group, viewer)
        return None

    def _local_community_admits(self, community: str, viewer: Viewer) -> bool:
        resp = self.internal.request("GET", "communities", "/internal/admits", params={
            "community": community, "actor": viewer.actor or "", "kind": viewer.kind})
        if resp.status_code == 404:
            return False  # no such community
        if resp.status_code != 200:
            log.warning("communities /internal/admits answered %s for %s", resp.status_code, community)
            return False  # closed by default
        return bool(resp.json().get("admits"))

    def _remote_group_admits(self, group: CachedActor, viewer: Viewer) -> bool:
        if viewer.actor is None:
            return False  # anonymous: nothing of a remote Group's is served from here
        if viewer.actor == group.actor_id:
            return True
        data = self.internal.get_json("inbox", "/internal/follows/accepted",
                                      params={"follower": viewer.actor, "followee": group.actor_id})
        if data.get("accepted"):
            return True
        return group.raw.get("visibility") in COMMUNITY_VISIBILITIES_FOR_GROUP and viewer.in_group


def can_see(author: str, addressees: list[str], requester: Requester, config: Config,
            internal: InternalClient) -> bool:
    facts = _Facts(author, config, internal)
    return may_see_object(author=author, addressees=list(addressees), viewer=viewer_of(requester, config),
                          config=config, registry=load_registry(config),
                          is_follower_of_author=facts.is_follower_of_author,
                          community_admits=facts.community_admits)
