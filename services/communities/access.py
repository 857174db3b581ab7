"""The communities service's questions to the policy module, with the facts it owns."""

from __future__ import annotations

import requests
from flask import current_app, g

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.vocab import id_of
from fedkit.rules.policy import ANONYMOUS, KINDS, Viewer, may_see_community, viewer_kind, viewer_of
from fedkit.rules.registry import load_registry, origin_of
from fedkit.runtime.config import Config
from fedkit.runtime.responses import error
from services.communities.models import MEMBER, ROLES, SEEING, Community, Membership


def config() -> Config:
    return current_app.config["ARCHIPEL"]


def current_viewer() -> Viewer:
    return viewer_of(g.requester, config())


def viewer_for_actor(actor: str | None, cfg: Config) -> Viewer:
    """The viewer an actor is when it speaks to us by signed activity (its kind by origin)."""
    if not actor:
        return Viewer(ANONYMOUS, None)
    return Viewer(viewer_kind(actor, None, cfg, load_registry(cfg)), actor)


def viewer_from_params(actor: str | None, kind: str | None) -> Viewer:
    """A viewer another service of the node classified (``/internal/admits``)."""
    if not actor or kind not in KINDS:
        return Viewer(ANONYMOUS, None)
    return Viewer(kind, actor)


def membership_of(community: Community, actor: str | None) -> Membership | None:
    if not actor:
        return None
    return Membership.objects(community=community.slug, actor=actor).first()


def can_see(community: Community, viewer: Viewer) -> bool:
    membership = membership_of(community, viewer.actor)
    return may_see_community(community.visibility, viewer, membership.state if membership else None)


def member_hosts(community: Community) -> set[str]:
    """Origins of the nodes that host a member or an invitee (they must be able to fetch
    the Group's document and key to deliver to it and verify what it sends)."""
    return {origin_of(m.actor) for m in Membership.objects(community=community.slug,
                                                          state__in=SEEING).only("actor")}


def can_fetch_actor_document(community: Community, viewer: Viewer) -> bool:
    """The Group document (not its content) is also served to the instance actor of a
    node that hosts a member or an invitee: that node delivers to the Group and checks
    its signatures. It learns nothing its users do not already know."""
    if can_see(community, viewer):
        return True
    # A node's instance actor lives at <origin>/actor (Archipel, Mastodon): a signature by
    # exactly that actor speaks for the node, not for one of its users.
    origin = origin_of(viewer.actor)
    return bool(origin) and viewer.actor == origin + "/actor" and origin in member_hosts(community)


def visible_community(slug: str) -> Community | None:
    """The community if the current requester may see it; None otherwise (answer 404)."""
    community = Community.objects(slug=slug).first()
    if community is None or not can_see(community, current_viewer()):
        return None
    return community


def node_roles() -> list[str]:
    """The requester's node roles (from the group directory's claims at sign-in)."""
    from fedkit.runtime.internal import internal_client

    if not g.requester.user:
        return []
    try:
        account = IdentityClient(internal_client()).account(g.requester.user)
    except requests.HTTPError:
        return []
    return list(account.roles) if account is not None else []


# Node roles that stand in for community roles in every community of the node.
NODE_ROLE_STANDS_FOR = {"node_admin": "manager", "moderator": "moderator"}


def acting_as(slug: str, roles) -> tuple[Community | None, Membership | None, object]:
    """The community and the requester's membership if they hold one of ``roles`` (a node
    administrator acts as a manager, a node moderator as a moderator, in every community
    of the node); otherwise an error response (404 when they may not even see it)."""
    community = visible_community(slug)
    if community is None:
        return None, None, error(404, "not_found", "no such community")
    actor = current_viewer().actor or ""
    me_ = Membership.objects(community=slug, actor=actor, state=MEMBER).first()
    if me_ is not None and me_.role in roles:
        return community, me_, None
    standing = {NODE_ROLE_STANDS_FOR.get(r) for r in node_roles()}
    # The strongest community role a node role stands for, among those asked.
    role = next((r for r in ROLES if r in standing and r in roles), None)
    if role is not None:
        return community, Membership(community=slug, actor=actor, role=role, state=MEMBER), None
    return None, None, error(403, "forbidden", f"this needs one of the roles: {', '.join(roles)}")


def target_actor(data: dict) -> str | None:
    target = id_of(data.get("actor"))
    return target if target and target.startswith(("http://", "https://")) else None
