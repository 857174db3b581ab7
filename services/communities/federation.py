"""What a community's Group actor does with an activity addressed to it (FEP-1b12).

The inbox service stores and dedupes every delivery, then hands the activities that
concern a local community to ``POST /internal/inbox`` here; the sender is verified
(its signature, or this node's own outbox). Each function returns a short outcome
("accepted", "refused: …", "ignored") that the inbox keeps in its log.
"""

from __future__ import annotations

import logging

from fedkit.protocol.tombstone import tombstone
from fedkit.protocol.vocab import (
    ACCEPT,
    CREATE,
    DELETE,
    FOLLOW,
    INVITE,
    LIKE,
    REJECT,
    UNDO,
    UPDATE,
    as_list,
    id_of,
    type_of,
)
from fedkit.rules.authority import is_author, may_update, same_origin
from fedkit.rules.community_facts import community_slugs_named
from fedkit.rules.policy import may_join_community
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.communities.access import viewer_for_actor
from services.communities.models import (
    ABSENT,
    BANNED,
    INVITED,
    MEMBER,
    MEMBER_ROLE,
    MEMBERSHIP,
    OWNER,
    PENDING,
    SEEING,
    Community,
    CommunityPost,
    Membership,
    now,
    set_membership,
)
from services.communities.sending import announce_to_members, send_as_group

log = logging.getLogger(__name__)


def communities_addressed(activity: dict, config: Config, also_to=()) -> list[Community]:
    """Local communities an activity concerns (fedkit.rules.community_facts.community_slugs_named)."""
    slugs = community_slugs_named(activity, also_to, config)
    return list(Community.objects(slug__in=sorted(slugs))) if slugs else []


def handle(activity: dict, config: Config, internal: InternalClient, also_to=()) -> list[str]:
    actor = id_of(activity.get("actor"))
    outcomes = []
    for community in communities_addressed(activity, config, also_to):
        if actor == community.actor_id:
            continue  # our own Announce coming back through the local pipeline
        kind = type_of(activity)
        inner = type_of(activity.get("object"))
        step = {
            FOLLOW: on_follow, CREATE: on_post, UPDATE: on_update, DELETE: on_delete, LIKE: on_like,
        }.get(kind)
        if kind == UNDO and inner == FOLLOW:
            step = on_leave
        elif kind in (ACCEPT, REJECT) and inner in (INVITE, None):
            step = on_invite_answer
        outcomes.append(step(community, actor, activity, config, internal) if step else "ignored")
    return outcomes


def _answer(community, answer_type: str, follow: dict, config, internal) -> None:
    follow = {k: v for k, v in follow.items() if k != "@context"}
    send_as_group(community, {"type": answer_type, "object": follow, "to": [id_of(follow.get("actor"))]},
                  [id_of(follow.get("actor"))], config, internal)


def on_follow(community, actor, activity, config, internal) -> str:
    if id_of(activity.get("object")) != community.actor_id:
        return "ignored"
    membership = Membership.objects(community=community.slug, actor=actor).first()
    state = membership.state if membership else None
    if not may_join_community(community.visibility, viewer_for_actor(actor, config), state):
        return "ignored"  # it cannot know the community exists: no answer at all
    follow = {k: v for k, v in activity.items() if k != "@context"}
    if state == BANNED or community.archived:
        _answer(community, REJECT, follow, config, internal)
        return "refused: banned" if state == BANNED else "refused: archived"
    if state in SEEING or community.openness == "free":
        set_membership(membership, MEMBER, community=community.slug, actor=actor, follow=follow)
        if membership is not None and membership.source:  # their own choice now: the rule no longer removes them
            membership.update(unset__source=True)
        _answer(community, ACCEPT, follow, config, internal)
        return "accepted"
    if community.openness == "open":
        set_membership(membership, PENDING, community=community.slug, actor=actor, follow=follow)
        return "pending"
    _answer(community, REJECT, follow, config, internal)  # closed: invitation only
    return "refused: closed"


def on_leave(community, actor, activity, config, internal) -> str:
    follow = activity.get("object")
    if not isinstance(follow, dict) or id_of(follow.get("object")) != community.actor_id:
        return "ignored"
    membership = Membership.objects(community=community.slug, actor=actor).first()
    if membership is None or membership.state == BANNED:
        return "ignored"  # leaving does not lift a ban
    if membership.role == OWNER:
        return "refused: the owner transfers ownership before leaving"
    MEMBERSHIP.move(membership, ABSENT)
    return "left"


def on_invite_answer(community, actor, activity, config, internal) -> str:
    """Accept(Invite): the invitee joins; Reject(Invite): the invitation is withdrawn."""
    membership = Membership.objects(community=community.slug, actor=actor, state=INVITED).first()
    if membership is None:
        return "ignored"
    if type_of(activity) == ACCEPT:
        set_membership(membership, MEMBER, community=community.slug, actor=actor)
        return "accepted"
    MEMBERSHIP.move(membership, ABSENT)
    return "declined"


def may_post(community, actor) -> str | None:
    """None when the actor may post; otherwise why not."""
    if community.archived:
        return "archived"
    membership = Membership.objects(community=community.slug, actor=actor).first()
    if membership is None or membership.state != MEMBER:
        return "banned" if membership and membership.state == BANNED else "not a member"
    if community.posting == "moderators" and membership.role == MEMBER_ROLE:
        return "posting is restricted to moderators"
    return None


def on_post(community, actor, activity, config, internal) -> str:
    obj = activity.get("object")
    if not isinstance(obj, dict) or not id_of(obj):
        return "ignored"
    authors = [id_of(a) for a in as_list(obj.get("attributedTo"))]
    if actor not in authors or not same_origin(id_of(obj), actor):
        return "refused: not the author"  # nor a post in a member's name, or at another server's id
    why = may_post(community, actor)
    if why:
        log.info("post %s to %s refused: %s", id_of(obj), community.slug, why)
        return f"refused: {why}"
    if CommunityPost.objects(object_id=id_of(obj)).first():
        return "duplicate"
    in_reply_to = id_of(obj.get("inReplyTo"))
    post = CommunityPost(object_id=id_of(obj), community=community.slug, author=actor, create_id=id_of(activity),
                         raw=obj, in_reply_to=in_reply_to).save(force_insert=True)
    community.update(set__last_activity_at=now(), unset__dormant_flagged_at=True)
    announce = announce_to_members(community, activity, config, internal, exclude=actor)
    post.update(set__announce_id=announce["id"])
    return "announced"


def on_update(community, actor, activity, config, internal) -> str:
    obj = activity.get("object")
    post = CommunityPost.objects(object_id=id_of(obj) or "", community=community.slug, removed=False).first()
    if post is None or not isinstance(obj, dict) or may_post(community, actor):
        return "ignored"
    authors = [id_of(a) for a in as_list(obj.get("attributedTo"))]
    if not may_update(actor, author=post.author, object_id=post.object_id,
                      new_author=authors[0] if authors else None):
        return "ignored"  # only the author edits, and an edit does not change who wrote it
    post.update(set__raw=obj)
    announce_to_members(community, activity, config, internal, exclude=actor)
    return "announced"


def on_delete(community, actor, activity, config, internal) -> str:
    post = CommunityPost.objects(object_id=id_of(activity.get("object")) or "", community=community.slug).first()
    if post is None or not is_author(actor, post.author, post.object_id) or post.removed:
        return "ignored"  # the author's own Delete; moderators remove through remove_post
    post.update(set__removed=True, set__removed_by=actor)
    announce_to_members(community, activity, config, internal, exclude=actor)
    return "announced"


def on_like(community, actor, activity, config, internal) -> str:
    membership = Membership.objects(community=community.slug, actor=actor, state=MEMBER).first()
    if membership is None:
        return "ignored"
    community.update(set__last_activity_at=now(), unset__dormant_flagged_at=True)
    return "noted"


def remove_post(community, post: CommunityPost, moderator: str, config, internal) -> dict:
    """A moderator's removal: the Group federates the Delete to every member's node."""
    post.update(set__removed=True, set__removed_by=moderator)
    from services.communities.sending import community_addressing, members_of

    return send_as_group(community, {"type": DELETE, "object": tombstone(post.object_id),
                                     **community_addressing(community)},
                         members_of(community) + [post.author], config, internal)
