"""What a service knows about a community named in a post's addressing, for the
policy's ``community_admits`` question (fedkit.rules.policy.may_see_object).

A local community: the communities service answers (``GET /internal/admits``).
A remote Group: the viewer is the Group itself, or follows it (accepted: a member, as
far as this node knows), or the Group's document says it is visible to the whole group
and the viewer is inside it. Anything else is not a community (None).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode

from fedkit.contracts.communities import CommunitiesClient
from fedkit.protocol.actors import CachedActor, FetchError, fetch_json, get_actor
from fedkit.protocol.local_ids import COMMUNITIES, is_local, local_community
from fedkit.protocol.vocab import GROUP, audience_of, id_of
from fedkit.rules.policy import Viewer
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient

log = logging.getLogger(__name__)
GROUP_WIDE_VISIBILITIES = ("group", "public")


def local_community_of(addressee: str, config: Config) -> str | None:
    """The community actor id when ``addressee`` is a local community or its followers."""
    slug = local_community(addressee, config.base_url)
    actor = f"{config.base_url}/{COMMUNITIES}/{slug}"
    return actor if slug and addressee in (actor, actor + "/followers") else None


def is_group_actor(actor_id: str, config: Config) -> bool:
    """Is this actor a community's Group (FEP-1b12)? One of this node's communities by its
    id; a remote actor by its document's type (the cached copy — the gateway cached it when
    it checked the actor's signature — or fetched). Unreachable: not a Group."""
    if is_local(actor_id, config.base_url):
        return local_community_of(actor_id, config) == actor_id
    try:
        return get_actor(actor_id, config).actor_type == GROUP
    except FetchError as exc:
        log.info("cannot tell whether %s is a Group: %s", actor_id, exc)
        return False


def is_community_addressee(addressee: str, config: Config) -> bool:
    """Is this addressee a community (this node's, or a Group this node has cached), without
    fetching anything: for fedkit.rules.policy.kept_after_departure."""
    if is_local(addressee, config.base_url):
        return local_community_of(addressee, config) is not None
    cached = CachedActor.objects(actor_id=addressee).only("actor_type").first()
    return cached is not None and cached.actor_type == GROUP


def community_slugs_named(activity: dict, also_to, config: Config) -> set[str]:
    """Slugs of this node's communities an activity names: in its (or its object's)
    audience, in ``also_to`` (delivered to a community's inbox), as its object, or as the
    object's actor/object (a Follow being undone, an Invite being accepted)."""
    obj = activity.get("object")
    ids = [*audience_of(activity), *also_to, id_of(obj)]
    if isinstance(obj, dict):
        ids += [*audience_of(obj), id_of(obj.get("object")), id_of(obj.get("actor"))]
    return {slug for slug in (local_community(i, config.base_url) for i in ids) if slug is not None}


def remote_group_of(addressee: str) -> CachedActor | None:
    """The cached remote Group actor when ``addressee`` is one, or its followers collection."""
    cached = CachedActor.objects(actor_id=addressee).first()
    if cached is None and addressee.endswith("/followers"):
        cached = CachedActor.objects(actor_id=addressee[: -len("/followers")]).first()
        if cached is not None and cached.followers != addressee:
            cached = None
    return cached if cached is not None and cached.actor_type == GROUP else None


def community_admits(addressee: str, viewer: Viewer, config: Config, internal: InternalClient,
                     follows_accepted: Callable[[str, str], bool]) -> bool | None:
    """``follows_accepted(follower, followee)``: the caller's way to read the follow state
    (the inbox owns it; other services ask the inbox)."""
    community = local_community_of(addressee, config)
    if community is not None:
        return CommunitiesClient(internal).admission(community, viewer.actor or "", viewer.kind).admits
    group = remote_group_of(addressee)
    if group is None:
        return None
    if viewer.actor is None:
        return False
    if viewer.actor == group.actor_id or follows_accepted(viewer.actor, group.actor_id):
        return True
    if group.raw.get("visibility") in GROUP_WIDE_VISIBILITIES and viewer.in_group:
        return True
    return is_member_at_group(group.actor_id, viewer.actor, config)


MEMBERSHIP_SECONDS = 60
_memberships: dict[tuple[str, str], tuple[float, bool]] = {}


def is_member_at_group(group_id: str, actor: str, config: Config) -> bool:
    """Ask the Group's own node (signed as this node's instance actor, which it answers
    because this node hosts members): an actor of another server is a member only as far
    as the Group says. Cached for a minute."""
    key = (group_id, actor)
    hit = _memberships.get(key)
    if hit and time.monotonic() - hit[0] < MEMBERSHIP_SECONDS:
        return hit[1]
    try:
        answer = fetch_json(f"{group_id}/membership?{urlencode({'actor': actor})}", config)
        member = answer.get("actor") == actor and answer.get("member") is True
    except FetchError as exc:
        log.info("membership of %s in %s unknown: %s", actor, group_id, exc)
        member = False
    _memberships[key] = (time.monotonic(), member)
    return member
