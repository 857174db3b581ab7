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
keep a post inside (their ceiling also drops outside followers), except for communities:
a community relays to all of its members.

The file is read once per process and again when its mtime changes. An invalid file stops
the outbox at start; if it becomes unreadable later, posts that would leave the group are
refused (503) until it is fixed: the guard fails closed.
"""

from __future__ import annotations

import copy
import html
import json
import logging
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import nh3

from fedkit.actors import get_actor
from fedkit.config import Config
from fedkit.internal import InternalClient
from fedkit.policy import node_audience
from fedkit.registry import GroupRegistry, load_registry
from fedkit.vocab import (
    CREATABLE_TYPES,
    CREATE,
    GROUP,
    HASHTAG,
    PUBLIC_ALIASES,
    UPDATE,
    as_list,
    audience_of,
    id_of,
    is_public,
    local_actor_id,
    type_of,
)
from services.outbox.models import LocalObject
from services.outbox.publishing import (
    ADDRESS_FIELDS,
    EDITABLE_FIELDS,
    GROUP_SHORTHAND,
    NODE_SHORTHAND,
)

log = logging.getLogger(__name__)

BLOCK = "block"
HOLD = "hold"
ACTIONS = (BLOCK, HOLD)
RULE_KEYS = frozenset({"name", "pattern", "tag", "action", "message"})


# -- rules ---------------------------------------------------------------------------------

class RulesError(ValueError):
    """The rules file cannot be used (unreadable, not JSON, or a rule is malformed)."""


@dataclass(frozen=True)
class Rule:
    name: str
    action: str
    message: str
    pattern: re.Pattern | None = None
    tag: str | None = None  # normalised: no '#', casefolded

    def matches(self, text: str, tags: frozenset[str]) -> bool:
        if self.pattern is not None and not self.pattern.search(text):
            return False
        return self.tag is None or self.tag in tags


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()

    def first_match(self, text: str, tags: frozenset[str]) -> Rule | None:
        """The deciding rule: the first matching block rule, else the first matching hold rule."""
        matched = [r for r in self.rules if r.matches(text, tags)]
        return next((r for r in matched if r.action == BLOCK), matched[0] if matched else None)


def normalise_tag(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lstrip("#").casefold()


def _default_message(name: str, action: str) -> str:
    if action == BLOCK:
        return f'This post matches the rule "{name}": it cannot leave the group.'
    return f'This post matches the rule "{name}": it waits for an administrator\'s review before it leaves the group.'


def parse_rules(data) -> RuleSet:
    """Validate a rules document; every mistake is reported with the rule it is in."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or set(data) - {"rules"}:
        raise RulesError('the rules file must be a JSON object {"rules": [...]}')
    rules, names = [], set()
    for index, item in enumerate(data["rules"], start=1):
        where = f"rule {index}"
        if not isinstance(item, dict):
            raise RulesError(f"{where}: must be an object")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RulesError(f"{where}: needs a name")
        where = f'rule {index} ("{name}")'
        if name in names:
            raise RulesError(f"{where}: another rule has this name")
        names.add(name)
        unknown = set(item) - RULE_KEYS
        if unknown:
            raise RulesError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(RULE_KEYS)})")
        action = item.get("action")
        if action not in ACTIONS:
            raise RulesError(f"{where}: action must be one of {', '.join(ACTIONS)}")
        pattern = tag = None
        if "pattern" in item:
            if not isinstance(item["pattern"], str) or not item["pattern"]:
                raise RulesError(f"{where}: pattern must be a non-empty string")
            try:
                pattern = re.compile(item["pattern"])
            except re.error as exc:
                raise RulesError(f"{where}: the pattern does not compile: {exc}") from None
        if "tag" in item:
            tag = normalise_tag(item["tag"]) if isinstance(item["tag"], str) else ""
            if not tag or any(c.isspace() for c in tag):
                raise RulesError(f"{where}: tag must be one word, e.g. \"confidential\"")
        if pattern is None and tag is None:
            raise RulesError(f"{where}: needs a pattern, a tag, or both")
        message = item.get("message", _default_message(name, action))
        if not isinstance(message, str) or not message.strip():
            raise RulesError(f"{where}: message must be a non-empty string")
        rules.append(Rule(name=name, action=action, message=message, pattern=pattern, tag=tag))
    return RuleSet(tuple(rules))


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> RuleSet:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise RulesError(f"cannot read it: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise RulesError(f"not valid JSON: {exc}") from None
    return parse_rules(data)


def load_rules(config: Config) -> RuleSet:
    """This node's rules (none when ``dlp_rules`` is empty), re-read when the file changes.
    Raises RulesError, naming the file, when it cannot be used."""
    if not config.dlp_rules:
        return RuleSet()
    try:
        return _load(config.dlp_rules, os.stat(config.dlp_rules).st_mtime)
    except OSError as exc:
        raise RulesError(f"ARCHIPEL_DLP_RULES={config.dlp_rules}: cannot read it: {exc.strerror or exc}") from None
    except RulesError as exc:
        raise RulesError(f"ARCHIPEL_DLP_RULES={config.dlp_rules}: {exc}") from None


def check_rules_file(config: Config) -> None:
    """At start: refuse to run with a rules file that cannot be used."""
    try:
        ruleset = load_rules(config)
    except RulesError as exc:
        raise RuntimeError(f"invalid data-loss prevention rules, the outbox will not start: {exc}") from None
    if config.dlp_rules:
        log.info("data-loss prevention: %d rule(s) from %s", len(ruleset.rules), config.dlp_rules)


# -- what a post says ----------------------------------------------------------------------

# Block-level elements separate words; inline ones (<b>, <span>…) do not ("Kes<b>trel</b>").
_BLOCK_TAG = re.compile(r"<\s*/?\s*(p|br|li|ul|ol|div|blockquote|pre|h[1-6]|tr|td|th|hr)\b[^>]*>", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
_TEXT_HASHTAG = re.compile(r"(?<![\w&#/])#(\w+)")


def plain_text(value: str) -> str:
    """HTML to the text a reader sees: tags removed, entities decoded, invisible characters
    dropped, compatibility forms folded (NFKC), whitespace collapsed."""
    text = nh3.clean(_BLOCK_TAG.sub(" ", value), tags=set())
    text = unicodedata.normalize("NFKC", html.unescape(text)).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


MAIN_FIELDS = ("name", "summary", "content")
# Keys whose values are structure, not prose (ids, types, addressing, dates).
STRUCTURAL_KEYS = frozenset({"@context", "id", "type", "actor", "attributedTo", "published", "updated",
                             "inReplyTo", "mediaType", *ADDRESS_FIELDS})


def _text_fields(obj: dict) -> list[str]:
    values = [obj.get(k) for k in MAIN_FIELDS]
    if isinstance(obj.get("contentMap"), dict):
        values += list(obj["contentMap"].values())
    for key in ("attachment", "oneOf", "anyOf"):  # media descriptions, poll options
        for item in as_list(obj.get(key)):
            if isinstance(item, dict):
                values += [item.get(k) for k in MAIN_FIELDS]
    return [v for v in values if isinstance(v, str) and v]


def _other_strings(value, skip: frozenset[str], depth: int = 0) -> list[str]:
    """Every other string a document carries (a client may put anything in an activity or
    object, and it is published as it is: ``source``, an activity's ``summary``…)."""
    if isinstance(value, str):
        return [value]
    if depth > 8:
        return []
    if isinstance(value, list):
        return [s for item in value for s in _other_strings(item, STRUCTURAL_KEYS, depth + 1)]
    if isinstance(value, dict):
        return [s for key, item in value.items() if key not in skip
                for s in _other_strings(item, STRUCTURAL_KEYS, depth + 1)]
    return []


def post_text(obj: dict, activity: dict | None = None) -> str:
    """The text a rule's pattern is searched in: the object's main fields first, then any
    other string of the object and of the activity that carries it."""
    main = _text_fields(obj)
    others = _other_strings(obj, STRUCTURAL_KEYS | {*MAIN_FIELDS, "contentMap"}) + \
        _other_strings(activity or {}, STRUCTURAL_KEYS | {"object"})
    seen = set(main)
    values = main + [v for v in others if v and v not in seen and not seen.add(v)]
    return "\n".join(plain_text(v) for v in values)


def post_tags(obj: dict, text: str | None = None) -> frozenset[str]:
    """Classification tags: Hashtags of the ``tag`` list and ``#words`` of the text."""
    tags = set()
    for item in as_list(obj.get("tag")):
        if isinstance(item, dict) and type_of(item) in (HASHTAG, None) and isinstance(item.get("name"), str):
            tags.add(normalise_tag(item["name"]))
    tags.update(normalise_tag(m) for m in _TEXT_HASHTAG.findall(post_text(obj) if text is None else text))
    tags.discard("")
    return frozenset(tags)


@dataclass(frozen=True)
class Outgoing:
    """What a Create or Update would publish: the object as it would read, and where it goes."""

    activity_type: str
    obj: dict
    addressees: tuple[str, ...]
    object_id: str | None = None  # an Update's object
    activity: dict | None = None  # the activity's own fields (all but its object)

    @cached_property
    def text(self) -> str:
        return post_text(self.obj, self.activity)

    @cached_property
    def tags(self) -> frozenset[str]:
        return post_tags(self.obj, self.text)


def _expand(addresses: list, config: Config) -> list[str]:
    shorthands = {GROUP_SHORTHAND: load_registry(config).audience, NODE_SHORTHAND: node_audience(config.base_url)}
    return [shorthands.get(a, a) if isinstance(a, str) else a for a in addresses]


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
        return Outgoing(CREATE, obj, tuple(addressees), activity=_activity_fields(data))
    if type_of(data) == UPDATE and id_of(obj) and id_of(obj) != actor:
        found = LocalObject.objects(object_id=id_of(obj), author=actor, deleted=False).first()
        if found is None:
            return None
        merged = dict(found.raw)
        merged.update({k: obj[k] for k in EDITABLE_FIELDS if k in obj})
        return Outgoing(UPDATE, merged, tuple(audience_of(found.raw)), object_id=found.object_id,
                        activity=_activity_fields(data))
    return None


# -- does it leave the group? ---------------------------------------------------------------

def outside_reach(addressees: list[str] | tuple[str, ...], author: str, config: Config, registry: GroupRegistry, *,
                  followers_of_author: Callable[[], list[str]],
                  admits_partners: Callable[[str], bool | None]) -> list[str]:
    """The addressees through which a post by local ``author`` would leave the group
    (empty: it stays inside). Pure: the two lookups are given.

    ``followers_of_author()``: the author's accepted followers (actor ids).
    ``admits_partners(iri)``: for an addressee inside the group, True when it is a
    community that admits partners (or cannot be told apart from one), False for a
    community that does not, None when it is no community.
    """
    def inside(iri: str) -> bool:
        return iri.startswith(config.base_url + "/") or registry.is_inside(iri)

    # The restricted audiences are a ceiling: delivery drops every actor outside them.
    ceiling = node_audience(config.base_url) in addressees or \
        (registry.audience in addressees and not is_public(addressees))
    leaving = []
    for addressee in addressees:
        if addressee in PUBLIC_ALIASES:
            leaving.append(addressee)
        elif addressee in (registry.audience, node_audience(config.base_url)):
            continue
        elif addressee == author + "/followers":
            if not ceiling and any(not inside(f) for f in followers_of_author()):
                leaving.append(addressee)
        elif not addressee.startswith(("http://", "https://")):
            continue  # no actor: nothing is delivered to it
        elif inside(addressee):
            # A community relays to all its members, partners included, whatever the ceiling.
            if admits_partners(addressee):
                leaving.append(addressee)
        elif not ceiling:
            leaving.append(addressee)
    return leaving


def _local_community_admits_partners(iri: str, username: str, config: Config, internal: InternalClient) -> bool:
    """A community of this node, read as its author sees it (the communities service
    applies its visibility policy). One the author may not see counts as admitting partners."""
    slug = iri[len(config.base_url + "/communities/"):].split("/", 1)[0]
    resp = internal.request("GET", "communities", f"/communities/{slug}", headers={
        "X-Archipel-User": username, "X-Archipel-Scopes": "read",
        "X-Archipel-Viewer": "local", "Accept": "application/activity+json"})
    if resp.status_code != 200:
        return True
    return bool(resp.json().get("admitsPartners"))


def admits_partners_lookup(username: str, config: Config, internal: InternalClient) -> Callable[[str], bool | None]:
    def admits(iri: str) -> bool | None:
        try:
            if iri.startswith(config.base_url + "/"):
                if iri.startswith(config.base_url + "/communities/"):
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
            return list(internal.get_json("inbox", f"/internal/users/{username}/followers")["followers"])
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
        return None
    leaving = leaving_addressees(outgoing, username, config, internal)
    if not leaving:
        return None
    if broken is not None:
        log.error("data-loss prevention rules unusable, refusing a post that leaves the group: %s", broken)
        raise RulesUnavailable(str(broken))
    return Verdict(rule=rule, outgoing=outgoing, leaving=tuple(leaving))
