"""Banning an actor from a community: by its managers (members_admin.py) or by a node
moderator acting on a report about a post to it (internal_api.py, after
services/api/moderation.py). A member's Follow is answered with a Reject (Mastodon reads
a Reject of an accepted Follow as a removal); the membership becomes banned, which also
refuses the actor's posts to the community and any new request to join."""

from __future__ import annotations

from fedkit.protocol.vocab import REJECT
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.communities.models import (
    BANNED,
    MEMBER,
    MEMBER_ROLE,
    Community,
    Membership,
    set_membership,
)
from services.communities.sending import send_as_group


def ban(community: Community, current: Membership | None, target: str, cfg: Config,
        internal: InternalClient) -> Membership | None:
    if current is not None and current.state == MEMBER:
        follow = current.follow or {"type": "Follow", "actor": target, "object": community.actor_id}
        send_as_group(community, {"type": REJECT, "object": follow, "to": [target]}, [target], cfg, internal)
    return set_membership(current, BANNED, community=community.slug, actor=target, role=MEMBER_ROLE)
