"""Partner memberships expire: managers are told ``ARCHIPEL_PARTNER_EXPIRY_NOTICE_DAYS``
before, and at the end the partner is removed (the Group's Reject of their Follow tells
their server; nothing more is delivered to them) unless a manager renewed it."""

from __future__ import annotations

import datetime as dt
import uuid

from fedkit.protocol.vocab import CREATE, FOLLOW, NOTE, REJECT, object_url
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.communities.models import (
    ABSENT,
    MANAGING_ROLES,
    MEMBER,
    MEMBERSHIP,
    SEEING,
    Community,
    Membership,
    now,
)
from services.communities.sending import send_as_group


def _tell_managers(community: Community, text: str, config: Config, internal: InternalClient) -> None:
    managers = [m.actor for m in Membership.objects(community=community.slug, state=MEMBER,
                                                     role__in=MANAGING_ROLES)]
    note = {"id": object_url(config.base_url, uuid.uuid4().hex), "type": NOTE, "attributedTo": community.actor_id,
            "to": managers, "content": f"<p>{text}</p>"}
    send_as_group(community, {"type": CREATE, "object": note, "to": managers}, managers, config, internal)


def expire_partners(config: Config, internal: InternalClient) -> tuple[int, int]:
    """(notices sent, memberships ended). What is due is found by (state, expires_at)."""
    current = now()
    notices = ended = 0
    soon = current + dt.timedelta(days=config.partner_expiry_notice_days)
    # Only indexed fields in the queries (the embedded database scans for any other): the
    # partner flag is read from each document.
    for membership in MEMBERSHIP.due_by("expires_at", soon, states=SEEING, where={"expiry_notice_sent": False}):
        if not membership.partner:
            continue
        # Claimed first: two sweepers never send the notice twice.
        if not Membership.objects(id=membership.id, expiry_notice_sent=False).update_one(
                set__expiry_notice_sent=True):
            continue
        community = Community.objects(slug=membership.community).first()
        if community is not None:
            ends = membership.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            _tell_managers(community, f"The partner membership of {membership.actor} in {community.name} ends on "
                                      f"{ends}. Renew it to keep them: POST /communities/{community.slug}/members "
                                      '{"action": "renew", "actor": …}.', config, internal)
            notices += 1
    for membership in MEMBERSHIP.due_by("expires_at", current, states=SEEING):
        if not membership.partner or not MEMBERSHIP.move(membership, ABSENT, where={"expires_at": {"$lte": current}}):
            continue  # renewed meanwhile, or another sweeper ended it
        community = Community.objects(slug=membership.community).first()
        if community is None:
            continue
        follow = membership.follow or {"type": FOLLOW, "actor": membership.actor, "object": community.actor_id}
        follow = {k: v for k, v in follow.items() if k != "@context"}
        send_as_group(community, {"type": REJECT, "object": follow, "to": [membership.actor]},
                      [membership.actor], config, internal)
        _tell_managers(community, f"The partner membership of {membership.actor} in {community.name} has ended.",
                       config, internal)
        ended += 1
    return notices, ended
