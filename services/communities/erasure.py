"""The communities service's share of an erasure (fedkit/contracts/erasure.py,
services/identity/erasure.py): the person's memberships (and invitations) end and this
node's copies of their posts to communities go. Idempotent.

A community they owned keeps no owner: its managers go on running it, a node administrator
gives it a new owner."""

from __future__ import annotations

from fedkit.protocol.vocab import local_actor_id
from fedkit.runtime.config import Config
from services.communities.models import CommunityPost, Membership


def forget_remote_actor(actor: str) -> dict:
    """Another node's actor deleted at its origin (an erasure, or its own account deletion):
    its memberships end, its posts to this node's communities are removed (as a moderator's
    removal leaves them: the inbox has made them Tombstones)."""
    return {"memberships": Membership.objects(actor=actor).delete(),
            "community_posts": CommunityPost.objects(author=actor, removed=False).update(set__removed=True)}


def erase_share(config: Config, username: str) -> dict:
    actor = local_actor_id(config.base_url, username)
    return {"memberships": Membership.objects(actor=actor).delete(),
            "community_posts": CommunityPost.objects(author=actor).delete()}
