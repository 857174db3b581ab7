"""The outbox's share of an erasure (fedkit/contracts/erasure.py, services/identity/erasure.py):
every post of the person becomes a Tombstone (as their own Delete would leave it; the other
servers are told by the account's Delete that identity federates next), what they published
and what waits to be published goes, and their votes on this node's polls. Idempotent."""

from __future__ import annotations

from fedkit.protocol.vocab import local_actor_id
from fedkit.runtime.config import Config
from services.outbox import objects
from services.outbox.models import HeldPost, LocalObject, OutboxActivity, PostCount
from services.outbox.polls import PollVote


def erase_share(config: Config, username: str) -> dict:
    actor = local_actor_id(config.base_url, username)
    posts = 0
    for found in LocalObject.objects(author=actor, deleted=False):
        objects.remove(found)
        posts += 1
    return {"posts": posts,
            "activities": OutboxActivity.objects(actor=actor).delete(),
            "held_posts": HeldPost.objects(username=username).delete(),
            "poll_votes": PollVote.objects(voter=actor).delete(),
            "post_counts": PostCount.objects(author=actor).delete()}
