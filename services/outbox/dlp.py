"""Data-loss prevention: the outbound-content guard of the C2S publish path.

A rules file (``ARCHIPEL_DLP_RULES``, JSON) names what may not leave the group::

    {"rules": [
      {"name": "project codenames", "pattern": "(?i)\\bproject\\s+kestrel\\b",
       "action": "hold", "message": "Project Kestrel is confidential"},
      {"name": "confidential tag", "tag": "confidential", "action": "block",
       "message": "Posts tagged #confidential stay inside the group"}]}

A rule matches a post by a ``pattern`` (Python regular expression, searched in the post's
text: content, summary, name, contentMap, poll options, attachment descriptions, then
every other string the client put in the object or activity; HTML stripped) and/or a classification ``tag`` (a Hashtag in the object's ``tag`` list or a
``#word`` in its text, case-insensitive, with or without '#'); with both, both must match.
``block`` refuses the post; ``hold`` keeps it for a node administrator's review
(``services/outbox/held.py``). A block rule wins over a hold rule.

Rules only bite when the post would leave the group (``outside_reach``): addressed to the
public, to an actor outside the member nodes, to the author's followers when one of them
is outside, or to a community that admits partners. The ``group`` and ``node`` audiences
keep a post inside (their ceiling also drops outside followers, and a community relays
such a post only to its members inside that audience).

The rules' format and loading are in dlp_rules.py, what a post says in dlp_text.py; this
module decides whether a post leaves the group and which rule stops it.

The file is read once per process and again when its mtime changes. An invalid file stops
the outbox at start; if it becomes unreadable later, posts that would leave the group are
refused (503) until it is fixed: the guard fails closed.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from fedkit.contracts.communities import CommunitiesClient
from fedkit.contracts.inbox import InboxClient
from fedkit.protocol.actors import get_actor
from fedkit.protocol.local_ids import is_local, local_community
from fedkit.protocol.vocab import (
    CREATABLE_TYPES,
    CREATE,
    GROUP,
    UPDATE,
    as_list,
    audience_of,
    id_of,
    is_public,
    local_actor_id,
    type_of,
)
from fedkit.rules.audience import ADDRESS_FIELDS, Node, expand_shorthands, leaving
from fedkit.rules.registry import GroupRegistry, load_registry
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.outbox.dlp_rules import Rule, RulesError, RuleSet, load_rules
from services.outbox.dlp_text import post_tags, post_text
from services.outbox.models import LocalObject
from services.outbox.publishing import EDITABLE_FIELDS

log = logging.getLogger(__name__)





@dataclass(frozen=True)
class Outgoing:
    """What a Create or Update would publish: the object as it would read, and where it goes
    (worked out only when asked: only a post that matches a rule needs it)."""

    activity_type: str
    obj: dict
    addressing: Callable[[], list[str]] = field(repr=False, compare=False)
    object_id: str | None = None  # an Update's object
    activity: dict | None = None  # the activity's own fields (all but its object)

    @cached_property
    def addressees(self) -> tuple[str, ...]:
        return tuple(self.addressing())

    @cached_property
    def text(self) -> str:
        return post_text(self.obj, self.activity)

    @cached_property
    def tags(self) -> frozenset[str]:
        return post_tags(self.obj, self.text)


def _expand(addresses: list, config: Config) -> list[str]:
    return expand_shorthands(addresses, Node.of(config, load_registry(config)))


def _activity_fields(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "object"}


def outgoing_post(data: dict, username: str, config: Config) -> Outgoing | None:
    """The content a C2S post would publish (no side effect), or None when it publishes
    none: anything but a Create or Update of a Note, Article… (Follow, Like, Undo, a profile
    Update), and what the publisher will refuse anyway (it is not checked twice).

    Addressing is worked out as the publisher does (services/outbox/publishing.py): the
    activity's or else the object's, followers when none, followers added to public posts,
    shorthands expanded — the union of the activity's and object's, to err on the safe side.
    An Update goes where the original went, with the edited fields merged in."""
    if not isinstance(data, dict):
        return None
    data = copy.deepcopy(data)
    if type_of(data) in CREATABLE_TYPES:
        data = {"type": CREATE, "object": data}
    obj = data.get("object")
    if not isinstance(obj, dict):
        return None
    actor = local_actor_id(config.base_url, username)
    followers = actor + "/followers"
    if type_of(data) == CREATE and type_of(obj) in CREATABLE_TYPES:
        def addressing() -> list[str]:
            doc = {k: data.get(k) for k in ADDRESS_FIELDS if k in data}
            if not audience_of(doc):
                doc = {k: obj.get(k) for k in ADDRESS_FIELDS if k in obj}
            if not audience_of(doc):
                doc = {"to": [followers]}
            doc = {k: _expand(as_list(v), config) for k, v in doc.items()}
            obj_doc = {k: _expand(as_list(obj.get(k)), config) for k in ADDRESS_FIELDS if k in obj}
            addressees = list(dict.fromkeys(audience_of(doc) + audience_of(obj_doc)))
            if is_public(addressees) and followers not in addressees:
                addressees.append(followers)
            return addressees

        return Outgoing(CREATE, obj, addressing, activity=_activity_fields(data))
    if type_of(data) == UPDATE and id_of(obj) and id_of(obj) != actor:
        found = LocalObject.objects(object_id=id_of(obj), author=actor, deleted=False).first()
        if found is None:
            return None
        merged = dict(found.raw)
        merged.update({k: obj[k] for k in EDITABLE_FIELDS if k in obj})
        return Outgoing(UPDATE, merged, lambda: audience_of(found.raw), object_id=found.object_id,
                        activity=_activity_fields(data))
    return None


# -- does it leave the group? ---------------------------------------------------------------

def outside_reach(addressees: list[str] | tuple[str, ...], author: str, config: Config, registry: GroupRegistry, *,
                  followers_of_author: Callable[[], list[str]],
                  admits_partners: Callable[[str], bool | None]) -> list[str]:
    """The addressees through which a post by local ``author`` would leave the group
    (empty: it stays inside), as fedkit.rules.audience.leaving decides. Pure: the two lookups are given.

    ``followers_of_author()``: the author's accepted followers (actor ids).
    ``admits_partners(iri)``: for an addressee inside the group, True when it is a
    community that admits partners (or cannot be told apart from one), False for a
    community that does not, None when it is no community.
    """
    return leaving(addressees, author, Node.of(config, registry), followers_of_author=followers_of_author,
                   admits_partners=admits_partners)


def _local_community_admits_partners(iri: str, username: str, config: Config, internal: InternalClient) -> bool:
    """A community of this node, read as its author sees it (the communities service
    applies its visibility policy). One the author may not see counts as admitting partners."""
    slug = local_community(iri, config.base_url)
    document = CommunitiesClient(internal).document_as_seen_by(slug, username)
    if document is None:
        return True
    return bool(document.get("admitsPartners"))


def admits_partners_lookup(username: str, config: Config, internal: InternalClient) -> Callable[[str], bool | None]:
    def admits(iri: str) -> bool | None:
        try:
            if is_local(iri, config.base_url):
                if local_community(iri, config.base_url) is not None:
                    return _local_community_admits_partners(iri, username, config, internal)
                return None  # local users, collections and audiences stay on this node
            actor = get_actor(iri, config)
        except Exception as exc:  # unknown: assume the worst, the rules then decide
            log.info("dlp: cannot tell whether %s admits partners (%s): counted as leaving", iri, exc)
            return True
        if actor.actor_type != GROUP:
            return None
        return bool(actor.raw.get("admitsPartners"))

    return admits


# Stands for followers that could not be listed: outside the group, to be safe.
UNKNOWN_FOLLOWER = "urn:archipel:dlp:unknown-follower"


def followers_lookup(username: str, internal: InternalClient) -> Callable[[], list[str]]:
    def followers() -> list[str]:
        try:
            return InboxClient(internal).followers(username)
        except Exception as exc:
            log.warning("dlp: cannot list the followers of %s (%s): counted as outside", username, exc)
            return [UNKNOWN_FOLLOWER]  # not inside: the safe answer
    return followers


def leaving_addressees(outgoing: Outgoing, username: str, config: Config, internal: InternalClient) -> list[str]:
    author = local_actor_id(config.base_url, username)
    return outside_reach(outgoing.addressees, author, config, load_registry(config),
                         followers_of_author=followers_lookup(username, internal),
                         admits_partners=admits_partners_lookup(username, config, internal))


# -- the guard -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    rule: Rule
    outgoing: Outgoing
    leaving: tuple[str, ...]


class RulesUnavailable(Exception):
    """The rules file became unusable while running: posts leaving the group must wait."""


def check_outgoing(username: str, data: dict, config: Config, internal: InternalClient) -> Verdict | None:
    """The rule that stops this post, or None when it may go. Raises RulesUnavailable when
    the rules cannot be read and the post would leave the group."""
    outgoing = outgoing_post(data, username, config)
    if outgoing is None:
        return None
    try:
        ruleset, broken = load_rules(config), None
    except RulesError as exc:
        ruleset, broken = RuleSet(), exc
    rule = ruleset.first_match(outgoing.text, outgoing.tags)
    if rule is None and broken is None:
        return None  # its addressing was never worked out (Outgoing.addressees is lazy)
    leaving = leaving_addressees(outgoing, username, config, internal)
    if not leaving:
        return None
    if broken is not None:
        log.error("data-loss prevention rules unusable, refusing a post that leaves the group: %s", broken)
        raise RulesUnavailable(str(broken))
    return Verdict(rule=rule, outgoing=outgoing, leaving=tuple(leaving))
