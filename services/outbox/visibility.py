"""May this requester see this object or activity? (followers-only and direct posts)

Public and unlisted: anyone. Otherwise the author, the addressees, and — when the
author's followers are addressed — an accepted follower, proven by an actor-level
HTTP signature or by that follower's own bearer token on this node.
"""

from __future__ import annotations

from fedkit.config import Config
from fedkit.internal import InternalClient, Requester
from fedkit.vocab import is_public, local_actor_id
from services.outbox.addressing import followers_url, username_of


def requester_actor(requester: Requester, config: Config) -> str | None:
    if requester.user and requester.has_scope("read"):
        return local_actor_id(config.base_url, requester.user)
    return requester.signer


def can_see(author: str, addressees: list[str], requester: Requester, config: Config,
            internal: InternalClient) -> bool:
    if is_public(addressees):
        return True
    viewer = requester_actor(requester, config)
    if viewer is None:
        return False
    if viewer == author or viewer in addressees:
        return True
    if followers_url(author) in addressees:
        username = username_of(author, config)
        data = internal.get_json("inbox", f"/internal/users/{username}/is-follower", params={"actor": viewer})
        return bool(data.get("follower"))
    return False
