"""Dormant communities: no exchange for ``ARCHIPEL_COMMUNITY_DORMANT_AFTER`` seconds.

Listings show them as dormant (converter.is_dormant); once per dormant spell the Group
writes to its owner and managers, who should question its openness, then its existence.
"""

from __future__ import annotations

import datetime as dt
import uuid

from fedkit.protocol.vocab import CREATE, NOTE, object_url
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.communities.models import MANAGING_ROLES, MEMBER, Community, Membership, now
from services.communities.sending import send_as_group


def newly_dormant(threshold: dt.datetime):
    """Communities quiet since before ``threshold`` and not flagged yet (an indexed query)."""
    return Community.objects(archived=False, dormant_flagged_at=None, last_activity_at__lt=threshold)


def flag_dormant(config: Config, internal: InternalClient) -> list[str]:
    """Flag the newly dormant communities; returns their slugs."""
    threshold = now() - dt.timedelta(seconds=config.community_dormant_after)
    flagged = []
    for community in newly_dormant(threshold):
        # Claim it first: two sweepers never send the notice twice.
        if not Community.objects(slug=community.slug, dormant_flagged_at=None).update_one(
                set__dormant_flagged_at=now()):
            continue
        managers = [m.actor for m in Membership.objects(community=community.slug, state=MEMBER,
                                                         role__in=MANAGING_ROLES)]
        days = max(1, round(config.community_dormant_after / 86400))
        note = {
            "id": object_url(config.base_url, uuid.uuid4().hex), "type": NOTE,
            "attributedTo": community.actor_id, "to": managers,
            "content": (f"<p>The community {community.name} has had no exchange for {days} day(s) and is now "
                        "listed as dormant. Consider opening it wider, then whether it should go on "
                        "(archive it if not).</p>"),
        }
        send_as_group(community, {"type": CREATE, "object": note, "to": managers}, managers, config, internal)
        flagged.append(community.slug)
    return flagged
