"""Followers, following and follow requests are kept on write (services/inbox/follow_counts.py),
not counted on read: after every follow, accept, reject, unfollow (Undo) and actor Delete —
repeated ones included — the counters equal the relations, as the api reads them."""

from __future__ import annotations

import pytest

from fedkit.contracts.inbox import InboxClient
from tests.inprocess import MEMBER


def _counted(actor: str) -> dict:
    from services.inbox.models import FOLLOW_ACCEPTED, FOLLOW_PENDING, FollowRelation

    return {"followers": FollowRelation.objects(followee=actor, state=FOLLOW_ACCEPTED).count(),
            "following": FollowRelation.objects(follower=actor, state=FOLLOW_ACCEPTED).count(),
            "follow_requests": FollowRelation.objects(followee=actor, state=FOLLOW_PENDING).count()}


def _assert_kept(node, *actors: str) -> None:
    for actor in actors:
        assert InboxClient(node.internal).follow_counts(actor) == _counted(actor), actor


@pytest.fixture
def world(node):
    node.local_user("alice")
    node.local_user("lea", locked=True)
    return node


def _follow(node, by, followee: str, n: int) -> dict:
    follow = {"id": f"{by.id}/follows/{n}", "type": "Follow", "actor": by.id, "object": followee}
    assert node.deliver(follow, by=by).status_code == 202
    node.run()
    return follow


def test_follow_and_unfollow_keep_the_counters(world):
    bob = world.remote_actor(f"{MEMBER}/users/bob")
    alice = world.actor("alice")
    _assert_kept(world, alice, bob.id)  # built from the relations (none) on first read
    follow = _follow(world, bob, alice, 1)
    _assert_kept(world, alice, bob.id)
    assert InboxClient(world.internal).follow_counts(alice)["followers"] == 1
    _follow(world, bob, alice, 1)  # the same Follow again: nothing moves
    _assert_kept(world, alice, bob.id)
    for _ in range(2):  # an Undo, then the same Undo again
        undo = {"id": f"{bob.id}/undo/1", "type": "Undo", "actor": bob.id, "object": follow}
        world.deliver(undo, by=bob)
        world.run()
        _assert_kept(world, alice, bob.id)
    assert InboxClient(world.internal).follow_counts(alice)["followers"] == 0


def test_requests_accepts_and_rejects_keep_the_counters(world):
    bob = world.remote_actor(f"{MEMBER}/users/bob")
    carol = world.remote_actor(f"{MEMBER}/users/carol")
    lea = world.actor("lea")
    _assert_kept(world, lea)
    _follow(world, bob, lea, 1)
    _follow(world, carol, lea, 2)
    assert InboxClient(world.internal).follow_counts(lea) == {"followers": 0, "following": 0, "follow_requests": 2}
    _assert_kept(world, lea, bob.id, carol.id)
    # lea answers: the outbox's Accept and Reject are applied by this node's inbox too.
    from services.inbox.follow_counts import remove, set_state

    set_state(bob.id, lea, state="accepted", upsert=False)
    set_state(bob.id, lea, state="accepted", upsert=False)  # twice: counted once
    from services.inbox.models import FollowRelation

    remove(id=FollowRelation.objects(follower=carol.id, followee=lea).first().id)
    _assert_kept(world, lea, bob.id, carol.id)
    assert InboxClient(world.internal).follow_counts(lea) == {"followers": 1, "following": 0, "follow_requests": 0}


def test_our_user_following_elsewhere_and_an_actor_deleted(world):
    bob = world.remote_actor(f"{MEMBER}/users/bob")
    alice = world.actor("alice")
    world.follows(alice, bob.id)
    _follow(world, bob, alice, 1)
    _assert_kept(world, alice, bob.id)
    accept = {"id": f"{bob.id}/accepts/1", "type": "Accept", "actor": bob.id,
              "object": {"type": "Follow", "actor": alice, "object": bob.id}}
    world.deliver(accept, by=bob)  # an Accept of a follow already accepted: nothing moves
    world.run()
    _assert_kept(world, alice, bob.id)
    assert InboxClient(world.internal).follow_counts(alice) == {"followers": 1, "following": 1, "follow_requests": 0}
    world.deliver({"id": f"{bob.id}#delete", "type": "Delete", "actor": bob.id, "object": bob.id}, by=bob)
    world.run()
    _assert_kept(world, alice, bob.id)
    assert InboxClient(world.internal).follow_counts(alice) == {"followers": 0, "following": 0, "follow_requests": 0}
