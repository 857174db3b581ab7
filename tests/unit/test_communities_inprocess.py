"""Community relays in-process (services/communities/federation.py and sending.py, FEP-1b12):
what a local community's Group does with what is addressed to it — memberships, the
posts it keeps, the Announces it sends and to whom — judged by stored documents, the
Group's outbox and the deliveries queued (tests/inprocess.py)."""

from __future__ import annotations

import pytest

from fedkit.protocol.vocab import PUBLIC
from services.communities.models import CommunityPost, Membership
from tests.inprocess import BASE, MEMBER, OUTSIDE

BOB, BERTA, PAULA = f"{MEMBER}/users/bob", f"{MEMBER}/users/berta", f"{OUTSIDE}/users/paula"
TEAM = f"{BASE}/communities/team"


@pytest.fixture
def team(node):
    """The community ``team`` (free, visible to the group): alice owns it; amelie, bob (de)
    and paula (a partner outside the group) are members; berta (de) is not."""
    for name in ("alice", "amelie", "arno"):
        node.local_user(name)
    node.bob, node.berta = node.remote_actor(BOB), node.remote_actor(BERTA)
    node.paula = node.remote_actor(PAULA)
    node.community("team", owner=node.actor("alice"), members=(node.actor("amelie"), BOB, PAULA))
    return node


def post(actor: str, n: int, **addressing) -> dict:
    origin = actor.split("/users/")[0]
    obj = {"id": f"{origin}/objects/{n}", "type": "Note", "attributedTo": actor, "content": f"post {n}",
           **addressing}
    return {"id": f"{origin}/activities/{n}", "type": "Create", "actor": actor, "object": obj, **addressing}


def to_team(node, activity: dict, by) -> None:
    resp = node.deliver(activity, by=by, path="/communities/team/inbox")
    assert resp.status_code == 202, resp.get_data(as_text=True)
    node.run()


def announces(node) -> list[dict]:
    return [a for a in node.sent_by(TEAM) if a["type"] == "Announce"]


def test_a_members_post_is_kept_and_announced_to_the_other_members(team):
    create = post(BOB, 1, to=[TEAM], cc=[PUBLIC])
    to_team(team, create, team.bob)
    assert CommunityPost.objects(object_id=create["object"]["id"]).get().author == BOB
    [announce] = announces(team)
    assert announce["object"]["id"] == create["id"] and announce["to"] == [f"{TEAM}/followers"]
    # paula's server gets it; bob (the author) and berta (no member) do not; the local
    # members see it in their inbox, arno (no member) does not.
    assert team.deliveries(announce["id"]) == {f"{OUTSIDE}/inbox": "queued"}
    assert announce["id"] in team.inbox_of("alice") and announce["id"] in team.inbox_of("amelie")
    assert team.inbox_of("arno") == []
    assert team.received(create["object"]["id"])["content"] == "post 1"


def test_a_non_members_post_is_refused_and_not_relayed(team):
    to_team(team, post(BERTA, 2, to=[TEAM]), team.berta)
    assert CommunityPost.objects.count() == 0 and announces(team) == []


def test_a_post_in_a_members_name_is_refused(team):
    forged = post(BOB, 3, to=[TEAM])
    forged["actor"] = BERTA
    to_team(team, forged, team.berta)
    assert CommunityPost.objects.count() == 0 and announces(team) == []


@pytest.mark.parametrize("openness, state, answer", [("free", "member", "Accept"), ("open", "pending", None),
                                                     ("closed", None, "Reject")])
def test_a_follow_joins_as_the_communitys_openness_says(team, openness, state, answer):
    from services.communities.models import Community

    Community.objects(slug="team").update_one(set__openness=openness)
    follow = {"id": f"{MEMBER}/follows/1", "type": "Follow", "actor": BERTA, "object": TEAM}
    to_team(team, follow, team.berta)
    membership = Membership.objects(community="team", actor=BERTA).first()
    assert (membership.state if membership else None) == state
    answers = [a for a in team.sent_by(TEAM) if a["type"] in ("Accept", "Reject")]
    assert [a["type"] for a in answers] == ([answer] if answer else [])
    if answer:
        assert answers[0]["object"]["id"] == follow["id"] and answers[0]["to"] == [BERTA]
        assert team.deliveries(answers[0]["id"]) == {f"{MEMBER}/inbox": "queued"}


def test_undoing_the_follow_leaves_the_community(team):
    follow = {"id": f"{MEMBER}/follows/2", "type": "Follow", "actor": BOB, "object": TEAM}
    to_team(team, {"id": f"{MEMBER}/undo/2", "type": "Undo", "actor": BOB, "object": follow}, team.bob)
    assert Membership.objects(community="team", actor=BOB).count() == 0


def test_the_authors_delete_removes_the_post_and_is_relayed(team):
    create = post(BOB, 4, to=[TEAM])
    to_team(team, create, team.bob)
    delete = {"id": f"{MEMBER}/deletes/4", "type": "Delete", "actor": BOB, "object": create["object"]["id"],
              "to": [TEAM]}
    to_team(team, delete, team.bob)
    assert CommunityPost.objects(object_id=create["object"]["id"]).get().removed
    assert [a["object"]["type"] for a in announces(team)] == ["Create", "Delete"]
    assert team.received(create["object"]["id"])["type"] == "Tombstone"  # for the local members too


def test_a_local_members_post_is_relayed_to_the_remote_members(team):
    created = team.publish("amelie", {"type": "Note", "content": "hello team", "to": [TEAM], "cc": [PUBLIC]})
    team.run()
    assert CommunityPost.objects(object_id=created["object"]["id"]).get().author == team.actor("amelie")
    [announce] = announces(team)
    assert announce["object"]["id"] == created["id"]
    assert team.deliveries(announce["id"]) == {f"{MEMBER}/inbox": "queued", f"{OUTSIDE}/inbox": "queued"}
    assert announce["id"] in team.inbox_of("alice") and announce["id"] not in team.inbox_of("amelie")


def test_a_post_to_the_node_audience_is_relayed_to_local_members_only(team):
    created = team.publish("amelie", {"type": "Note", "content": "node only", "to": [TEAM, "node"]})
    team.run()
    [announce] = announces(team)
    assert announce["object"]["id"] == created["id"]
    assert team.deliveries(announce["id"]) == {} and team.deliveries(created["id"]) == {}
    assert announce["id"] in team.inbox_of("alice")


def test_a_group_post_is_relayed_inside_the_group_only(team):
    created = team.publish("amelie", {"type": "Note", "content": "group only", "to": [TEAM, "group"]})
    team.run()
    [announce] = announces(team)
    assert team.deliveries(announce["id"]) == {f"{MEMBER}/inbox": "queued"}  # bob's server, not paula's
    assert created["id"] == announce["object"]["id"]
