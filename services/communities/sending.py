"""Activities a community's Group actor sends: prepared here, published by the outbox
(which signs as the Group and runs the persistent delivery state machine)."""

from __future__ import annotations

import uuid

from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.vocab import ANNOUNCE, PUBLIC, activity_url, audience_of
from fedkit.rules import audience
from fedkit.rules.registry import load_registry
from fedkit.runtime.clock import now_iso
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.communities.models import MEMBER, Community, Membership


def members_of(community: Community) -> list[str]:
    return [m.actor for m in Membership.objects(community=community.slug, state=MEMBER).only("actor")]


def send_as_group(community: Community, activity: dict, recipients: list[str], config: Config,
                  internal: InternalClient) -> dict:
    activity = {"id": activity_url(config.base_url, uuid.uuid4().hex), "actor": community.actor_id,
                "published": now_iso(), **activity}
    recipients = sorted({r for r in recipients if r and r != community.actor_id})
    OutboxClient(internal).send_for_actor(activity, recipients)
    return activity


def community_addressing(community: Community) -> dict:
    """to/cc of what the Group distributes: its followers (the members); public communities
    also address the public collection, as a public Group does."""
    addressing = {"to": [f"{community.actor_id}/followers"], "audience": community.actor_id}
    if community.visibility == "public":
        addressing["cc"] = [PUBLIC]
    return addressing


def announce_to_members(community: Community, inner: dict, config: Config, internal: InternalClient,
                        exclude: str | None = None) -> dict:
    """FEP-1b12: the Group Announces a member's activity (embedded) to its followers."""
    inner = {k: v for k, v in inner.items() if k not in ("@context", "bto", "bcc")}
    recipients = within_audience([m for m in members_of(community) if m != exclude], inner, config)
    return send_as_group(community, {"type": ANNOUNCE, "object": inner, **community_addressing(community)},
                         recipients, config, internal)


def within_audience(members: list[str], inner: dict, config: Config) -> list[str]:
    """A post that is also addressed to the ``node`` or ``group`` audience stays there,
    even in a community with members elsewhere (partners): the narrower audience wins
    (fedkit.rules.audience.within_audience)."""
    obj = inner.get("object") if isinstance(inner.get("object"), dict) else {}
    return audience.within_audience(members, audience_of(inner) + audience_of(obj),
                                    audience.Node.of(config, load_registry(config)))
