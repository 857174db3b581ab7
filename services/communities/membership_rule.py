"""A dynamic community's membership rule: who belongs by what the group directory says.

A rule is an AND of equalities on directory attributes, e.g. ``{"department": "Finance"}``
or ``{"entity": "fr", "location": "Lyon"}``; its names are the people directory's filters
(fedkit/contracts/identity.py ``DIRECTORY_FILTERS``) and its values compare as the directory
compares them (case-insensitive; ``skill`` matches any of a person's skills).

The memberships a rule makes carry ``source: "rule"``; reconciling (reconcile.py) adds the
people the rule finds and removes only those it made and no longer finds: people who joined
by hand, invitations, requests, bans and staff roles are never touched, and nobody is
removed for a node that did not answer (its people are unknown this time, not gone).
"""

from __future__ import annotations

from dataclasses import dataclass

from fedkit.contracts.identity import DIRECTORY_FILTERS
from fedkit.rules.registry import origin_of
from services.communities.models import MEMBER, MEMBER_ROLE

RULE = "rule"  # Membership.source of a membership the rule made
MAX_VALUE = 100  # as the people directory caps a filter (services/identity/people_listing.py)
# The rule's names as the people directory's entries spell the attributes.
ENTRY_KEYS = {"skill": "skills"}
EXAMPLE = '{"department": "Finance"}'


def validated(rule) -> dict[str, str] | None:
    """The rule as stored (names sorted, values' spaces collapsed), None for no rule
    (``null`` or ``{}``); ValueError with the reason for anything else."""
    if rule is None or rule == {}:
        return None
    if not isinstance(rule, dict):
        raise ValueError(f"membership_rule: an object of directory attributes, e.g. {EXAMPLE}")
    unknown = sorted(str(k) for k in rule if k not in DIRECTORY_FILTERS)
    if unknown:
        raise ValueError(f"membership_rule: unknown attribute {', '.join(unknown)}; "
                         f"one of {', '.join(DIRECTORY_FILTERS)}")
    clean = {}
    for name in sorted(rule):
        value = rule[name]
        value = " ".join(value.split()) if isinstance(value, str) else ""
        if not value or len(value) > MAX_VALUE:
            raise ValueError(f"membership_rule: {name} needs a value of 1 to {MAX_VALUE} characters")
        clean[name] = value
    return clean


def matches(rule: dict[str, str], entry: dict) -> bool:
    """Does a person's directory entry (people directory shape) satisfy every equality?"""
    for name, wanted in rule.items():
        value = entry.get(ENTRY_KEYS.get(name, name))
        values = value if isinstance(value, list) else [value] if value else []
        if not any(isinstance(v, str) and v.casefold() == wanted.casefold() for v in values):
            return False
    return True


@dataclass(frozen=True)
class Standing:
    """One membership as reconciling sees it."""

    actor: str
    state: str
    role: str
    source: str | None


@dataclass(frozen=True)
class Plan:
    add: list[str]
    remove: list[str]


def plan(wanted: set[str], standings: list[Standing], unreachable: set[str]) -> Plan:
    """What reconciling changes: add whom the rule finds and who has no standing at all (a
    request, an invitation or a ban stays as it is); remove the plain members the rule made
    that it no longer finds, unless their node (origin in ``unreachable``) did not answer."""
    known = {s.actor for s in standings}
    add = sorted(a for a in wanted if a not in known)
    remove = sorted(s.actor for s in standings
                    if s.source == RULE and s.state == MEMBER and s.role == MEMBER_ROLE
                    and s.actor not in wanted and origin_of(s.actor) not in unreachable)
    return Plan(add, remove)
