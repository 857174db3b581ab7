"""The visibility policy: who may see a community, an object, an activity.

One module decides; the gateway classifies the requester with ``viewer_kind`` and
every service asks ``may_see_community`` / ``may_see_object`` with the facts it owns
(membership, follow state). Decisions are pure functions of those facts, so the
whole matrix is testable without a network.

Requester kinds:
- ``local``: a user of this node, proven by their bearer token (or an actor of this node
  proven by its signature);
- ``inside``: an actor of another node of the group (registry), proven by its signature;
- ``outside``: an actor anywhere else (partners, the public fediverse), signature proven;
- ``anonymous``: nothing proven.

Anything a requester may not see answers exactly like something that does not exist
(404, same body): a hidden community's name must not leak through a status code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fedkit.protocol.vocab import FORMER_EMPLOYEE, id_of, is_public, local_actor_id
from fedkit.rules.registry import GroupRegistry, origin_of
from fedkit.runtime.config import Config

LOCAL = "local"
INSIDE = "inside"
OUTSIDE = "outside"
ANONYMOUS = "anonymous"
KINDS = (LOCAL, INSIDE, OUTSIDE, ANONYMOUS)

# Community visibility
PUBLIC = "public"  # anyone, like a public Group of the fediverse
GROUP = "group"  # every authenticated employee of every member node
NODE = "node"  # the users of its own node only
MEMBERS = "members"  # hidden: its members only; 404 to everyone else
VISIBILITIES = (PUBLIC, GROUP, NODE, MEMBERS)

# Membership states that see a community whatever its visibility.
SEEING_STATES = ("member", "invited")


def node_audience(base_url: str) -> str:
    """The IRI of the ``node`` audience: this node's users only, never federated."""
    return f"{base_url}/audiences/node"


def viewer_kind(signer: str | None, user: str | None, config: Config, registry: GroupRegistry) -> str:
    """Classify a verified requester (the gateway does this once per request)."""
    if user:
        return LOCAL
    if signer:
        if origin_of(signer) == origin_of(config.base_url):
            return LOCAL
        return INSIDE if registry.is_inside(signer) else OUTSIDE
    return ANONYMOUS


@dataclass(frozen=True)
class Viewer:
    kind: str
    actor: str | None  # the requester's actor id, None when anonymous

    @property
    def in_group(self) -> bool:
        return self.kind in (LOCAL, INSIDE)


def viewer_of(requester, config: Config) -> Viewer:
    """The Viewer behind a service's ``g.requester`` (see fedkit.runtime.internal.Requester)."""
    if requester.user and requester.has_scope("read:statuses"):
        return Viewer(LOCAL, local_actor_id(config.base_url, requester.user))
    if requester.signer:
        kind = requester.viewer_kind if requester.viewer_kind in (LOCAL, INSIDE, OUTSIDE) else OUTSIDE
        return Viewer(kind, requester.signer)
    return Viewer(ANONYMOUS, None)


def may_see_community(visibility: str, viewer: Viewer, membership: str | None) -> bool:
    """May this viewer learn that the community exists and read it?"""
    if membership in SEEING_STATES and viewer.actor:
        return True
    if visibility == PUBLIC:
        return True
    if visibility == GROUP:
        return viewer.in_group
    if visibility == NODE:
        return viewer.kind == LOCAL
    return False  # MEMBERS (hidden), and anything unknown: closed by default


def may_join_community(visibility: str, viewer: Viewer, membership: str | None) -> bool:
    """May this viewer ask to join (send a Follow)? Only what they may see, and a
    ``node`` community only from its own node."""
    return may_see_community(visibility, viewer, membership)


def may_see_object(*, author: str | None, addressees: list[str], viewer: Viewer, config: Config,
                   registry: GroupRegistry, is_follower_of_author: Callable[[str], bool],
                   community_admits: Callable[[str, Viewer], bool | None]) -> bool:
    """May this viewer see an object (or activity) by ``author`` addressed to ``addressees``?

    ``is_follower_of_author(actor)``: an accepted follower of the author (followers-only posts).
    ``community_admits(addressee, viewer)``: True/False when the addressee is a community
    the caller knows about, None when it is not a community.
    """
    # The restricted audiences bound everything else a post names (the author's
    # followers may live outside): ``node`` never leaves the node, ``group`` the group.
    if node_audience(config.base_url) in addressees and viewer.kind != LOCAL:
        return False
    if registry.audience in addressees and not is_public(addressees) and not viewer.in_group:
        return False
    if is_public(addressees):
        return True
    if viewer.actor is None:  # only what a public community shows to anyone
        return any(community_admits(a, viewer) for a in addressees)
    if viewer.kind == OUTSIDE and config.strict_perimeter:
        # Partners see public posts and the communities they belong to, nothing else.
        return any(community_admits(a, viewer) for a in addressees)
    if viewer.actor == author or viewer.actor in addressees:
        return True
    if registry.audience in addressees and viewer.in_group:
        return True
    if node_audience(config.base_url) in addressees and viewer.kind == LOCAL:
        return True
    if author and author + "/followers" in addressees and is_follower_of_author(viewer.actor):
        return True
    return any(community_admits(a, viewer) for a in addressees)


def is_former_employee(actor_document: dict | None, registry: GroupRegistry) -> bool:
    """Does a closed account's document say the group keeps its content (``formerEmployee``,
    services/identity/lifecycle.py)? Only a member node's word counts, and only while the group
    keeps departed content."""
    return bool(actor_document) and actor_document.get(FORMER_EMPLOYEE) is True \
        and registry.keeps_departed_content and registry.is_inside(id_of(actor_document))


def kept_after_departure(addressees: list[str], *, config: Config, registry: GroupRegistry,
                         is_community: Callable[[str], bool]) -> bool:
    """Is a post of a closed account still shown (to whoever ``may_see_object`` admits)? With
    the group's ``departed_content: keep`` what it wrote for an audience — public, the group,
    the node, a community — stays: the company's knowledge. What it wrote to people
    (followers-only, direct) goes with the account, as everything does with ``hide``."""
    if not registry.keeps_departed_content:
        return False
    if is_public(addressees) or registry.audience in addressees or node_audience(config.base_url) in addressees:
        return True
    return any(is_community(a) for a in addressees)
