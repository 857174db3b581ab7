"""A community's AS2 Group actor (FEP-1b12) and its listing entry."""

from __future__ import annotations

from fedkit.protocol.sanitize import sanitize_html
from fedkit.protocol.vocab import (
    ARCHIPEL_NS,
    DEFAULT_CONTEXT,
    GROUP,
    HASHTAG,
    key_id_for,
    shared_inbox_url,
)
from fedkit.runtime import clock
from fedkit.runtime.config import Config

# Archipel's extension terms, in the Group document's context (never fetched).
GROUP_CONTEXT = [*DEFAULT_CONTEXT, {
    "archipel": ARCHIPEL_NS, "visibility": "archipel:visibility", "openness": "archipel:openness",
    "purpose": "archipel:purpose", "dormant": "archipel:dormant", "archived": "archipel:archived",
    "admitsPartners": "archipel:admitsPartners",
    "postingRestrictedToMods": "https://join-lemmy.org/ns#postingRestrictedToMods",
}]


def is_dormant(community, config: Config) -> bool:
    last = clock.aware(community.last_activity_at)
    return not community.archived and \
        (clock.now() - last).total_seconds() > config.community_dormant_after


def group_json(community, public_pem: str, config: Config) -> dict:
    actor = community.actor_id
    return {
        "@context": GROUP_CONTEXT,
        "id": actor,
        "type": GROUP,
        "preferredUsername": community.slug,
        "name": community.name,
        "summary": sanitize_html(community.description),
        "url": actor,
        "inbox": f"{actor}/inbox",
        "outbox": f"{actor}/outbox",
        "followers": f"{actor}/followers",
        "attributedTo": f"{actor}/moderators",
        "manuallyApprovesFollowers": community.openness != "free",
        "postingRestrictedToMods": community.posting == "moderators",
        "discoverable": community.visibility in ("public", "group"),
        "published": clock.iso(community.created_at),
        "tag": [{"type": HASHTAG, "name": f"#{t}"} for t in community.tags],
        "visibility": community.visibility,
        "openness": community.openness,
        "purpose": community.purpose,
        "dormant": is_dormant(community, config),
        "archived": community.archived,
        "admitsPartners": community.admits_partners,
        "endpoints": {"sharedInbox": shared_inbox_url(config.base_url)},
        "publicKey": {"id": key_id_for(actor), "owner": actor, "publicKeyPem": public_pem},
    }


def listing_json(community, config: Config, members: int, my_state: str | None, my_role: str | None) -> dict:
    return {
        "id": community.actor_id,
        "slug": community.slug,
        "acct": f"{community.slug}@{config.host}",
        "node": config.node_name,
        "name": community.name,
        "description": community.description,
        "tags": list(community.tags),
        "purpose": community.purpose,
        "openness": community.openness,
        "visibility": community.visibility,
        "members": members,
        "dormant": is_dormant(community, config),
        "archived": community.archived,
        "admits_partners": community.admits_partners,
        "membership_rule": dict(community.membership_rule or {}) or None,  # a dynamic community's (membership_rule.py)
        "last_activity_at": clock.iso(community.last_activity_at),
        "membership": my_state,
        "role": my_role,
    }
