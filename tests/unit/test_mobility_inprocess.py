"""The Move handler (services/inbox/handlers/move.py) in-process (tests/inprocess.py): bob on
the member node de moves to this node as ``bob2`` (whose Person names bob in
``alsoKnownAs``); this node's followers of bob follow bob2, and bob's place in a community
here becomes bob2's. What it must refuse: a target that does not name the old actor, and a
Move of someone else's account."""

from __future__ import annotations

import pytest

from services.communities.models import Membership
from services.identity.models import Account
from services.inbox.models import FollowRelation
from tests.inprocess import MEMBER

BOB, BERTA = f"{MEMBER}/users/bob", f"{MEMBER}/users/berta"


@pytest.fixture
def fr(node):
    """alice follows bob (de); bob moderates the community ``team`` here; bob2 is local."""
    node.local_user("alice")
    node.bob = node.remote_actor(BOB)
    node.berta = node.remote_actor(BERTA)
    follow = node.publish("alice", {"type": "Follow", "object": BOB})
    node.run()
    accept = {"id": f"{MEMBER}/activities/accept-1", "type": "Accept", "actor": BOB, "object": follow}
    assert delivered(node, accept, node.bob) == "processed"
    node.community("team", owner=node.actor("alice"))
    Membership(community="team", actor=BOB, role="moderator", state="member").save()
    node.local_user("bob2")
    return node


def names_bob(node) -> None:
    Account.objects(username="bob2").update_one(set__also_known_as=[BOB])


def move(node, actor: str, obj: str, n: int = 1) -> dict:
    return {"id": f"{MEMBER}/activities/move-{n}", "type": "Move", "actor": actor, "object": obj,
            "target": node.actor("bob2"), "to": [f"{obj}/followers"]}


def delivered(node, activity: dict, by) -> str:
    resp = node.deliver(activity, by=by)
    assert resp.status_code == 202, resp.get_data(as_text=True)
    node.run()
    return node.outcome(activity["id"])


def follows(follower: str, followee: str) -> str | None:
    relation = FollowRelation.objects(follower=follower, followee=followee).first()
    return relation.state if relation else None


def test_a_move_gives_the_followers_and_memberships_to_the_new_actor(fr):
    names_bob(fr)
    alice, bob2 = fr.actor("alice"), fr.actor("bob2")
    assert delivered(fr, move(fr, BOB, BOB), fr.bob) == "processed"
    assert follows(alice, bob2) == "accepted"
    # alice's follow of bob is undone: the Undo goes to de
    undo = [a for a in fr.sent_by(alice) if a["type"] == "Undo"]
    assert len(undo) == 1 and undo[0]["object"]["object"] == BOB
    assert follows(alice, BOB) is None
    # bob's place in the community is bob2's, with the same role; bob2's node (here) lists it
    assert Membership.objects(community="team", actor=BOB).first() is None
    membership = Membership.objects(community="team", actor=bob2).get()
    assert (membership.state, membership.role) == ("member", "moderator")
    assert follows(bob2, fr.actor("team").replace("/users/", "/communities/")) == "accepted"


def test_a_target_that_does_not_name_the_old_actor_is_refused(fr):
    alice, bob2 = fr.actor("alice"), fr.actor("bob2")
    assert delivered(fr, move(fr, BOB, BOB), fr.bob) == "ignored"  # bob2 has no alsoKnownAs
    assert follows(alice, BOB) == "accepted" and follows(alice, bob2) is None
    assert Membership.objects(community="team", actor=BOB).get().role == "moderator"
    assert Membership.objects(community="team", actor=bob2).first() is None


def test_a_move_of_someone_elses_account_is_refused(fr):
    names_bob(fr)
    alice, bob2 = fr.actor("alice"), fr.actor("bob2")
    assert delivered(fr, move(fr, BERTA, BOB, 2), fr.berta) == "ignored"  # berta moves bob
    assert follows(alice, BOB) == "accepted" and follows(alice, bob2) is None
    assert Membership.objects(community="team", actor=bob2).first() is None
