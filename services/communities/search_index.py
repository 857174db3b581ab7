"""This node's communities in the node's search index (services/search, through its
contract): each indexed as it is when created or changed, with who may find it — anyone
(``public``), the group's or the node's audience, or, hidden, its members alone (its own
id: a member's audiences name the communities they belong to)."""

from __future__ import annotations

from fedkit.contracts import search
from fedkit.contracts.search import PUBLIC_AUDIENCE, SearchClient
from fedkit.rules.policy import (
    GROUP,
    LOCAL,
    NODE,
    PUBLIC,
    SEEING_STATES,
    Viewer,
    may_see_community,
    node_audience,
)
from fedkit.rules.registry import load_registry
from fedkit.runtime.config import Config
from fedkit.runtime.internal import internal_client
from services.communities.models import Community, Membership


def event_of(community: Community, config: Config) -> dict:
    audience = {PUBLIC: [PUBLIC_AUDIENCE], GROUP: [load_registry(config).audience],
                NODE: [node_audience(config.base_url)]}.get(community.visibility, [community.actor_id])
    return search.community_event(community.actor_id, slug=community.slug, name=community.name,
                                  description=community.description, tags=community.tags, audience=audience)


def indexed(community: Community, config: Config) -> None:
    """Queue the community's index event as it is now (never raises)."""
    search.notify(config, [event_of(community, config)])


def audiences_of(viewer: Viewer, config: Config) -> list[str]:
    """What a viewer may find communities by: as fedkit.rules.policy.may_see_community counts."""
    found = [PUBLIC_AUDIENCE]
    if viewer.in_group:
        found.append(load_registry(config).audience)
    if viewer.kind == LOCAL:
        found.append(node_audience(config.base_url))
    return found + communities_of(viewer.actor)


def communities_of(actor: str | None) -> list[str]:
    """Ids of the communities ``actor`` belongs to (member, or invited: they see it)."""
    if not actor:
        return []
    slugs = [m.community for m in Membership.objects(actor=actor, state__in=SEEING_STATES).only("community")]
    return [c.actor_id for c in Community.objects(slug__in=slugs).only("actor_id")]


def readable_by(viewer: Viewer) -> list[str]:
    """Ids of this node's communities whose posts ``viewer`` may read
    (fedkit.rules.policy.may_see_community): those they belong to, and those they see
    without joining (public ones for anyone, group ones inside the group, node ones for
    this node's users)."""
    seen = [c.actor_id for c in Community.objects().only("actor_id", "visibility")
            if may_see_community(c.visibility, viewer, None)]
    return list(dict.fromkeys(communities_of(viewer.actor) + seen))


def matching(query: str, viewer: Viewer, config: Config, *, limit: int) -> set[str]:
    """Actor ids of the communities whose words match ``query`` that this viewer may find."""
    return set(SearchClient(internal_client()).communities(query, audience=audiences_of(viewer, config), limit=limit))
