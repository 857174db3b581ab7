"""Keeping a dynamic community's members in step with the group directory.

Two ways in: ``reconcile_all`` on the communities worker's timer
(``ARCHIPEL_DYNAMIC_COMMUNITY_INTERVAL``) asks identity for everyone in the group each rule
finds (every member node's people directory, asked as this node's instance actor); and
``person_changed`` when this node's directory (SCIM) changed one person, which identity
reports at once (``fedkit/contracts/communities.py`` ``DIRECTORY_CHANGED``).

The person is told as a manager's approval and removal tell them (members_admin.py): the
Group sends ``Accept`` of a Follow in their name when the rule adds them, ``Reject`` of it
when the rule removes them. Their node records them as following the Group (their
membership, where the Group's Announces go) — for an Accept with no Follow of theirs, only
from a Group of this node or of a member node (services/inbox/handlers/accept.py): the
group's directory is the group's to apply.
"""

from __future__ import annotations

import logging

import requests

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import ACCEPT, FOLLOW, REJECT
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.communities import membership_rule
from services.communities.membership_rule import RULE, Plan, Standing
from services.communities.models import (
    ABSENT,
    MEMBER,
    MEMBERSHIP,
    Community,
    Membership,
    set_membership,
)
from services.communities.sending import send_as_group

log = logging.getLogger(__name__)


def dynamic_communities() -> list[Community]:
    """The communities with a membership rule (a node has few communities: scanned)."""
    return [c for c in Community.objects(archived__ne=True) if c.membership_rule]


def _standings(community: Community, actors: set[str] | None = None) -> list[Standing]:
    query = Membership.objects(community=community.slug)
    if actors is not None:
        query = query.filter(actor__in=sorted(actors))
    return [Standing(m.actor, m.state, m.role, m.source) for m in query.only("actor", "state", "role", "source")]


def _tell(community: Community, answer: str, actor: str, config: Config, internal: InternalClient) -> None:
    follow = {"type": FOLLOW, "actor": actor, "object": community.actor_id}
    send_as_group(community, {"type": answer, "object": follow, "to": [actor]}, [actor], config, internal)


def apply(community: Community, plan: Plan, config: Config, internal: InternalClient) -> Plan:
    """Make the planned changes (a node community admits only its node's people); what was done."""
    added, removed = [], []
    for actor in plan.add:
        if community.visibility == "node" and not is_local(actor, config.base_url):
            continue
        if set_membership(None, MEMBER, community=community.slug, actor=actor, source=RULE) is not None:
            _tell(community, ACCEPT, actor, config, internal)
            added.append(actor)
    for actor in plan.remove:
        membership = Membership.objects(community=community.slug, actor=actor, source=RULE, state=MEMBER).first()
        if membership is not None and MEMBERSHIP.move(membership, ABSENT):
            _tell(community, REJECT, actor, config, internal)  # as a manager's removal
            removed.append(actor)
    if added or removed:
        log.info("community %s by its rule: %d added, %d removed", community.slug, len(added), len(removed))
    return Plan(added, removed)


def reconcile(community: Community, config: Config, internal: InternalClient) -> Plan | None:
    """Bring one community in step with its rule; None when identity could not answer."""
    try:
        wanted, unreachable = IdentityClient(internal).people_matching(community.membership_rule)
    except (requests.RequestException, KeyError, ValueError) as exc:
        log.warning("community %s: the directory did not answer (%s)", community.slug, type(exc).__name__)
        return None
    return apply(community, membership_rule.plan(wanted, _standings(community), unreachable), config, internal)


def reconcile_all(config: Config, internal: InternalClient) -> dict[str, Plan | None]:
    return {c.slug: reconcile(c, config, internal) for c in dynamic_communities()}


def person_changed(actor: str, entry: dict | None, config: Config, internal: InternalClient) -> dict[str, Plan]:
    """This node's directory changed one person (``entry``: their directory entry now, None
    once their account is closed): their rule memberships follow at once."""
    done = {}
    for community in dynamic_communities():
        found = entry is not None and membership_rule.matches(community.membership_rule, entry)
        plan = membership_rule.plan({actor} if found else set(), _standings(community, {actor}), set())
        if plan.add or plan.remove:
            done[community.slug] = apply(community, plan, config, internal)
    return done
