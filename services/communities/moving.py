"""Moving a post from one community of this node to another (issue 12's moderation
action "move to another community"; the client API checked who asks: a moderator of both
communities, or of the node).

What the move does, once fedkit/rules/community_moves.py allows it:
1. the community's record of the post changes community;
2. the outbox readdresses the post (the old community replaced by the new one) and its
   author's Update carries that wherever the post went, hidden (bcc) also to the old
   community's members on other nodes (services/outbox/moving.py) — so every server shows
   it only to the new community's readers;
3. the new community's Group announces the post to its members (FEP-1b12), as if it had
   been posted there; the old Group undoes its own Announce of it.
Only a post of this node's people is moved: another node's post is its server's (the
report was forwarded there).
"""

from __future__ import annotations

from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import ANNOUNCE, CREATE, UNDO
from fedkit.rules.community_moves import Side, move_refused
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.communities.models import BANNED, Community, CommunityPost, Membership
from services.communities.sending import (
    announce_to_members,
    community_addressing,
    members_of,
    send_as_group,
)


class MoveError(ValueError):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


def _side(community: Community) -> Side:
    return Side(community.slug, community.visibility, community.admits_partners, community.archived)


def move_post(source: Community, target: Community, object_id: str, config: Config,
              internal: InternalClient) -> dict:
    """Move the post; the post as now addressed. MoveError when it may not be moved."""
    post = CommunityPost.objects(object_id=object_id, community=source.slug, removed=False).first()
    if post is None:
        raise MoveError(404, "not_found", "no such post in this community")
    if not is_local(post.author, config.base_url):
        raise MoveError(422, "not_local", "another node's post is moved by its own moderators")
    banned = Membership.objects(community=target.slug, actor=post.author, state=BANNED).first() is not None
    refused = move_refused(_side(source), _side(target), author_banned_from_target=banned)
    if refused:
        raise MoveError(422, *refused)
    in_target = set(members_of(target))
    elsewhere = [m for m in members_of(source) if m not in in_target and not is_local(m, config.base_url)]
    moved = OutboxClient(internal).move_post(object_id, source.actor_id, target.actor_id, elsewhere)
    if moved is None:
        raise MoveError(404, "not_found", "no such post in this community")
    old_announce = post.announce_id
    post.update(set__community=target.slug, set__raw=moved)
    create = {"id": post.create_id or f"{object_id}#create", "type": CREATE, "actor": post.author,
              **{k: moved[k] for k in ("to", "cc", "audience") if k in moved}, "object": moved}
    announce = announce_to_members(target, create, config, internal, exclude=post.author)
    post.update(set__announce_id=announce["id"])
    if old_announce:  # the old Group's relay of it is withdrawn where it went
        send_as_group(source, {"type": UNDO, "object": {"id": old_announce, "type": ANNOUNCE, "actor": source.actor_id},
                               **community_addressing(source)},
                      [m for m in members_of(source) if m != post.author], config, internal)
    return moved
