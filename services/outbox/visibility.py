"""May this requester see this object or activity? The outbox asks fedkit.rules.policy.

The policy module decides (public, the ``group`` and ``node`` audiences, addressees,
followers, communities); this module only gathers the facts the outbox does not own:
the follow state (the inbox service) and communities (fedkit.rules.community_facts).
"""

from __future__ import annotations

from fedkit.contracts.inbox import InboxClient
from fedkit.rules.community_facts import community_admits
from fedkit.rules.policy import Viewer, may_see_object, viewer_of
from fedkit.rules.registry import load_registry
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient, Requester
from services.outbox.addressing import username_of


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
        return InboxClient(self.internal).is_follower(username, actor)

    def follows_accepted(self, follower: str, followee: str) -> bool:
        return InboxClient(self.internal).follows_accepted(follower, followee)

    def community_admits(self, addressee: str, viewer: Viewer) -> bool | None:
        return community_admits(addressee, viewer, self.config, self.internal, self.follows_accepted)


def can_see(author: str, addressees: list[str], requester: Requester, config: Config,
            internal: InternalClient) -> bool:
    facts = _Facts(author, config, internal)
    return may_see_object(author=author, addressees=list(addressees), viewer=viewer_of(requester, config),
                          config=config, registry=load_registry(config),
                          is_follower_of_author=facts.is_follower_of_author,
                          community_admits=facts.community_admits)
