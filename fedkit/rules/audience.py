"""The audience planner: who receives a post, decided once (the write side of
fedkit/rules/policy.py, which decides who may see it).

Pure: it imports no service and does no I/O. The services give it the facts they own
(the node and its group registry, the author's followers, the recipient actors as
resolved, whether a community admits partners, the federation policy as a predicate)
and store what it decides:
- the publisher addresses a new post (``address_create``, ``audience_conflict``), plans
  it once (``plan_post``; a node actor's activity to listed recipients: ``plan_explicit``)
  and stores the plan with it;
- fan-out reads the plan, adds the author's followers as they are then (``recipients``)
  and resolves the actors to inboxes (``choose_inboxes``);
- the inbox reads a local activity's plan for its local recipients, and asks
  ``reaches_followers`` about a received one;
- data-loss prevention asks ``leaving`` (does it leave the group?); a community's relay
  asks ``within_audience``; the read side (fedkit/rules/policy.py) reads the stored audience.

Audiences (see DESIGN.md "A group of nodes"):
- ``public`` (``as:Public``): everyone, as far as the federation policy allows;
- ``group`` (the registry's audience IRI): every member node, never outside the group;
- ``node`` (``fedkit.rules.policy.node_audience``): this node only, never federated;
- ``followers``: the author's followers collection;
- ``direct``: actors named in to/cc/bto/bcc — bto/bcc are stripped before anything
  leaves (ActivityPub §6.1), so each of those gets its own (not the shared) inbox;
- a community's audience: its Group relays to its members (FEP-1b12), listed by the
  communities service (an *explicit* plan).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass

from fedkit.protocol import local_ids
from fedkit.protocol.vocab import (
    ACCEPT,
    CREATE,
    DELETE,
    FOLLOW,
    LIKE,
    PUBLIC_ALIASES,
    REJECT,
    UNDO,
    UPDATE,
    as_list,
    audience_of,
    id_of,
    is_public,
    is_unlisted,
    type_of,
)
from fedkit.rules.policy import node_audience
from fedkit.rules.registry import GroupRegistry, origin_of
from fedkit.runtime.config import Config

ADDRESS_FIELDS = ("to", "cc", "bto", "bcc", "audience")
# Shorthands a client may write in a post's addressing for the restricted audiences.
GROUP_SHORTHAND, NODE_SHORTHAND = "group", "node"
# Activities about relations and reactions, not content: they may cross the perimeter.
METADATA_TYPES = frozenset({FOLLOW, UNDO, ACCEPT, REJECT, LIKE})
HIDDEN_FIELDS = ("bto", "bcc")
NODE_CEILING, GROUP_CEILING = "node", "group"


def followers_url(actor_id: str) -> str:
    return actor_id + "/followers"


@dataclass(frozen=True)
class Node:
    """The facts about this node the planner needs."""

    base_url: str
    registry: GroupRegistry
    strict_perimeter: bool = False  # outside actors get only public posts and their communities'

    @property
    def audience(self) -> str:
        return node_audience(self.base_url)

    def is_local(self, iri: str | None) -> bool:
        return local_ids.is_local(iri, self.base_url)

    def inside(self, iri: str) -> bool:
        return self.is_local(iri) or self.registry.is_inside(iri)

    @classmethod
    def of(cls, config: Config, registry: GroupRegistry) -> Node:
        return cls(config.base_url, registry, config.strict_perimeter)


@dataclass(frozen=True)
class Recipient:
    """A recipient actor as resolved (its document, cached or fetched)."""

    actor: str
    inbox: str | None
    shared_inbox: str | None = None
    suspended: bool = False


@dataclass(frozen=True)
class AudiencePlan:
    """What the planner decided for one activity. Serialisable (``as_dict``/``from_dict``)."""

    author: str
    addressees: tuple[str, ...]  # who may see it: the audience stored with it (fedkit.rules.policy)
    hidden: tuple[str, ...] = ()  # bto/bcc addressees: reached, and stripped before it leaves
    ceiling: str | None = None  # "node" or "group": a restricted audience bounds everything else
    public: bool = False
    followers: bool = False  # the author's local followers are reached (the inbox lists them)
    expand_followers: bool = False  # the author's remote followers are delivered to (``recipients``)
    inside_only: bool = False  # only actors inside the group receive it
    remote: tuple[str, ...] = ()  # remote actors named (and member nodes), before followers are added
    # Local IRIs it reaches by name, on this node's inbox pipeline: its (and a created or
    # updated object's) addressees here, bto/bcc included, and a community's local members.
    local: tuple[str, ...] = ()
    explicit: bool = False  # recipients listed by the service that owns the (non-Person) actor

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> AudiencePlan:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        for key in ("addressees", "hidden", "remote", "local"):
            if key in known:
                known[key] = tuple(known[key])
        return cls(**known)


def expand_shorthands(addresses, node: Node) -> list:
    """``"group"`` and ``"node"`` stand for the group audience and this node's audience."""
    shorthands = {GROUP_SHORTHAND: node.registry.audience, NODE_SHORTHAND: node.audience}
    return [shorthands.get(a, a) if isinstance(a, str) else a for a in as_list(addresses)]


def has_addressing(doc: dict) -> bool:
    return any(as_list(doc.get(key)) for key in ADDRESS_FIELDS)


def address_create(activity: dict, obj: dict, author: str, node: Node) -> tuple[dict, dict]:
    """The addressing fields of a new post's Create and of its object, as published.

    Addressing is shared by the activity and its object (AP §6.2): the activity's, else
    the object's; with none, the author's followers only. A public post also goes to the
    author's followers, as every microblog does. Shorthands are expanded; the object
    gets the activity's fields (and keeps those the activity lacks).
    """
    act = {k: activity[k] for k in ADDRESS_FIELDS if k in activity}
    if has_addressing(obj) and not has_addressing(activity):
        act.update({k: obj[k] for k in ADDRESS_FIELDS if k in obj})
    elif not has_addressing(activity):
        act["to"] = [followers_url(author)]
    if is_public(audience_of(act)) and followers_url(author) not in audience_of(act):
        act["cc"] = as_list(act.get("cc")) + [followers_url(author)]
    act = {k: expand_shorthands(v, node) for k, v in act.items()}
    return act, {**{k: expand_shorthands(obj[k], node) for k in ADDRESS_FIELDS if k in obj}, **act}


def audience_conflict(addressees: list[str], node: Node) -> str | None:
    """Why these addressees cannot go together, or None: a ``node`` post names nothing
    outside this node; a ``group`` post nothing outside the group (its data must not
    leave the group)."""
    if node.audience in addressees:
        outside = [a for a in addressees if not node.is_local(a)]
        if outside:
            return ("a post to the node audience stays on this node: it cannot also be "
                    f"addressed to {', '.join(outside)}")
    if node.registry.audience in addressees and not is_public(addressees):
        outside = [a for a in addressees if a != node.registry.audience and not node.inside(a)]
        if outside:
            return f"a post to the group audience must not leave the group: {', '.join(outside)} is outside it"
    return None


def ceiling_of(addressees: Iterable[str], node: Node) -> str | None:
    """The restricted audience that bounds a post: ``node`` (never leaves the node), or
    ``group`` when it is addressed to the group and not also public."""
    addressees = list(addressees)
    if node.audience in addressees:
        return NODE_CEILING
    if node.registry.audience in addressees and not is_public(addressees):
        return GROUP_CEILING
    return None


def hidden_of(activity: dict) -> list[str]:
    """The bto/bcc addressees of an activity (the publisher gives its object the same)."""
    found = (id_of(ref) for key in HIDDEN_FIELDS for ref in as_list(activity.get(key)))
    return list(dict.fromkeys(a for a in found if a))


def plan_post(activity: dict, author: str, node: Node) -> AudiencePlan:
    """The plan of an activity published by local ``author`` to its own addressing.

    The ``node`` audience keeps an activity on this node (no remote recipient); the
    ``group`` audience (when not also public) reaches the author's followers on member
    nodes, and never anything outside the group. A post in the group's stream (to the
    group or the public, ``in_group_stream``) — its Create, its edits and its deletion —
    also reaches every other member node's instance actor, so that each node's stream has
    it: one copy at each member node's shared inbox, the same one its followers there get
    (``choose_inboxes`` deduplicates). The author's followers are a fact of delivery time:
    the plan says whether they are reached (``expand_followers``) and ``recipients`` adds them.
    """
    addressees = audience_of(activity)
    ceiling = ceiling_of(addressees, node)
    own_followers = followers_url(author)
    hidden = hidden_of(activity)
    # The group's perimeter: outside actors (partners) get public posts, and their
    # communities' activity from the Group itself — no followers-only or direct post.
    inside_only = ceiling == GROUP_CEILING or (
        node.strict_perimeter and not is_public(addressees) and type_of(activity) not in METADATA_TYPES)
    remote: dict[str, None] = {}
    if ceiling != NODE_CEILING:
        for addressee in addressees:
            if addressee in PUBLIC_ALIASES or addressee in (node.registry.audience, own_followers):
                continue
            if not node.is_local(addressee):
                remote[addressee] = None  # a remote actor (remote collections are not expandable here)
        if _to_member_nodes(activity, author, node):
            own = origin_of(node.base_url)
            remote.update(dict.fromkeys(n.instance_actor for n in node.registry.nodes if origin_of(n.base_url) != own))
        if inside_only:
            remote = {a: None for a in remote if node.registry.is_inside(a)}
        remote.pop(author, None)
    return AudiencePlan(
        author=author, addressees=tuple(addressees), hidden=tuple(hidden), ceiling=ceiling,
        public=is_public(addressees), followers=reaches_followers(author, _with_object(activity), node, own_followers),
        expand_followers=ceiling != NODE_CEILING and (own_followers in addressees or ceiling == GROUP_CEILING),
        inside_only=inside_only, remote=tuple(remote), local=_named_here(activity, node))


def in_group_stream(doc: dict, author: str | None, registry: GroupRegistry) -> bool:
    """Is this post (or the activity carrying it, addressed alike) in the group's stream
    (``/api/v1/timelines/public``)? Addressed to the group or the public, and listed — an
    unlisted post (public in ``cc`` only) stays out of public timelines (Mastodon, Status
    visibility) — by an author inside the group: a post from outside (a partner, the
    fediverse) reaches its author's followers, not the group's stream."""
    addressees = audience_of(doc)
    listed = registry.audience in addressees or (is_public(addressees) and not is_unlisted(doc))
    return listed and registry.is_inside(author)


def _to_member_nodes(activity: dict, author: str, node: Node) -> bool:
    """Does this activity go to every member node? A post's Create, Update and Delete when
    the post is in the group's stream; a poll's new counts are an Update too. Not a boost
    (Announce): the group's stream shows original posts, as Mastodon's public timelines
    leave reblogs out (PublicFeed ``without_reblogs``); a boost reaches the booster's
    followers. Replies are posts: they go too, so a thread reads whole on every node."""
    if type_of(activity) not in (CREATE, UPDATE, DELETE) or id_of(activity.get("object")) == author:
        return False  # not a post (a profile's Update goes to the followers, as before)
    return in_group_stream(activity, author, node.registry)


def recipients(plan: AudiencePlan, followers: Iterable[str], node: Node) -> list[str]:
    """The remote actors a plan reaches, with the author's accepted ``followers`` (actor
    ids, listed at delivery time) when it reaches them."""
    actors = dict.fromkeys(plan.remote)
    if plan.expand_followers:
        extra = (f for f in followers if not node.is_local(f) and f != plan.author)
        actors.update(dict.fromkeys(f for f in extra if not plan.inside_only or node.registry.is_inside(f)))
    return list(actors)


def plan_explicit(activity: dict, author: str, listed: Iterable[str], node: Node) -> AudiencePlan:
    """The plan of a node actor's activity (a community's Announce, Accept…) sent to
    exactly the ``listed`` actors, as the service that owns that actor listed them. Local ones
    are reached through the node's inbox pipeline, remote ones by their own inbox."""
    listed = list(dict.fromkeys(listed))
    addressees = audience_of(activity)
    hidden = hidden_of(activity)
    return AudiencePlan(
        author=author, addressees=tuple(addressees), hidden=tuple(hidden), ceiling=ceiling_of(addressees, node),
        public=is_public(addressees),
        followers=reaches_followers(author, _with_object(activity), node, followers_url(author)),
        remote=tuple(r for r in listed if not node.is_local(r)),
        local=tuple(dict.fromkeys(_named_here(activity, node) + tuple(r for r in listed if node.is_local(r)))),
        explicit=True)


def _named_here(activity: dict, node: Node) -> tuple[str, ...]:
    """Local actors an activity names (not this node's audience, nor a followers collection)."""
    return tuple(a for a in _with_object(activity)
                 if node.is_local(a) and a != node.audience and not a.endswith("/followers"))


def _with_object(activity: dict) -> list[str]:
    """The addressees of an activity and of the object it creates or updates: the inbox
    reaches local followers on either's addressing (services/inbox/objects.py)."""
    obj = activity.get("object")
    if type_of(activity) in (CREATE, UPDATE) and isinstance(obj, dict):
        return list(dict.fromkeys(audience_of(activity) + audience_of(obj)))
    return audience_of(activity)


def choose_inboxes(plan: AudiencePlan, actors: Iterable[str], resolved: Mapping[str, Recipient | None],
                   refused: Callable[[str], bool] = lambda _url: False) -> list[str]:
    """The inboxes ``actors`` (``recipients(plan, …)``) are reached at, deduplicated, in order: shared inboxes
    where possible; an actor reached privately (bto/bcc, a community's local-member
    relay) gets its own inbox so that its server knows it is addressed. Unresolved
    (None), suspended and refused actors (``refused(url)``: the federation policy) get
    nothing."""
    personal = set(plan.hidden) | set(plan.local)
    inboxes: dict[str, None] = {}
    for actor_id in actors:
        actor = resolved.get(actor_id)
        if actor is None or actor.suspended:
            continue
        inbox = actor.inbox if actor_id in personal else (actor.shared_inbox or actor.inbox)
        if refused(actor_id) or refused(inbox or ""):
            continue
        if inbox:
            inboxes[inbox] = None
    return list(inboxes)


def leaving(addressees: Iterable[str], author: str, node: Node, *,
            followers_of_author: Callable[[], Iterable[str]],
            admits_partners: Callable[[str], bool | None]) -> list[str]:
    """The addressees through which a post by local ``author`` would leave the group
    (empty: it stays inside) — what data-loss prevention needs.

    ``followers_of_author()``: the author's accepted followers (asked only when needed).
    ``admits_partners(iri)``: for an addressee inside the group, True when it is a
    community that admits partners (or cannot be told apart from one), False for a
    community that does not, None when it is no community.
    """
    addressees = list(addressees)
    # The restricted audiences are a ceiling: delivery drops every actor outside them.
    bounded = ceiling_of(addressees, node) is not None
    out = []
    for addressee in addressees:
        if addressee in PUBLIC_ALIASES:
            out.append(addressee)
        elif addressee in (node.registry.audience, node.audience):
            continue
        elif addressee == followers_url(author):
            if not bounded and any(not node.inside(f) for f in followers_of_author()):
                out.append(addressee)
        elif not addressee.startswith(("http://", "https://")):
            continue  # no actor: nothing is delivered to it
        elif node.inside(addressee):
            # A community relays to all its members, partners included, whatever the ceiling.
            if admits_partners(addressee):
                out.append(addressee)
        elif not bounded:
            out.append(addressee)
    return out


def within_audience(members: Iterable[str], addressees: Iterable[str], node: Node) -> list[str]:
    """A community's relay of a post: to its members, but a post also addressed to the
    ``node`` or ``group`` audience stays there (the narrower audience wins)."""
    members = list(members)
    ceiling = ceiling_of(addressees, node)
    if ceiling == NODE_CEILING:
        return [m for m in members if node.is_local(m)]
    if ceiling == GROUP_CEILING:
        return [m for m in members if node.registry.is_inside(m)]
    return members


def reaches_followers(actor: str, addressees: Iterable[str], node: Node, followers_collection: str | None) -> bool:
    """Does a post by ``actor`` (local or remote) reach the actor's followers on this node?
    When it is public, names the actor's followers collection, the group audience (an
    author inside the group), or this node's audience (a local author)."""
    addressees = list(addressees)
    if is_public(addressees):
        return True
    if node.registry.audience in addressees and node.inside(actor):
        return True
    if node.audience in addressees and node.is_local(actor):
        return True
    return bool(followers_collection) and followers_collection in addressees
