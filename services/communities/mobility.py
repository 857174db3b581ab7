"""An actor who moved to another node keeps their place in this node's communities.

The inbox checked the ``Move`` (services/inbox/handlers/move.py: the new actor names the old
one in ``alsoKnownAs``) and asks here: each membership of the old actor becomes the new
actor's, in the same state and with the same role (an owner stays the owner, a ban stays a
ban); the old actor's membership ends. The Group then tells the new actor's node that the
new actor follows it (an ``Accept`` of a Follow in the new actor's name, as it answers a
join): that node lists the membership and its inbox takes the Group's Announces.
"""

from __future__ import annotations

import logging
import uuid

from fedkit.protocol.vocab import ACCEPT, FOLLOW
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.communities.models import ABSENT, MEMBER, MEMBERSHIP, Community, Membership, now
from services.communities.sending import send_as_group

log = logging.getLogger(__name__)

# What a membership carries over to the new actor, besides its state.
CARRIED = ("role", "invited_by", "partner", "expires_at", "expiry_notice_sent")


def move_memberships(old: str, new: str, config: Config, internal: InternalClient) -> int:
    """Give ``old``'s memberships to ``new`` (idempotent); how many moved."""
    moved = 0
    for membership in Membership.objects(actor=old):
        community = Community.objects(slug=membership.community).first()
        if community is None:
            continue
        if Membership.objects(community=community.slug, actor=new).first() is None:
            MEMBERSHIP.create(membership.state, community=community.slug, actor=new, updated_at=now(),
                              **{name: getattr(membership, name) for name in CARRIED})
        MEMBERSHIP.move(membership, ABSENT)
        if community.owner == old:
            community.update(set__owner=new)
        if membership.state == MEMBER:
            follow = {"id": f"{community.actor_id}#follows/{uuid.uuid4().hex}", "type": FOLLOW,
                      "actor": new, "object": community.actor_id}
            send_as_group(community, {"type": ACCEPT, "object": follow, "to": [new]}, [new], config, internal)
        log.info("membership of %s in %s moved to %s", old, community.slug, new)
        moved += 1
    return moved
