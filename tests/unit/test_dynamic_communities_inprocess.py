"""Dynamic communities in process (tests/inprocess.py): the rule through the communities
API, a person the directory moves in and out (identity's news, reconcile.py), the
enrolment their node records from the Group's Accept, the group-wide query's unreachable
node, and the announcement channel's refusal of a member's post (403)."""

from __future__ import annotations

import json

import pytest

from fedkit.contracts import communities as contract
from fedkit.contracts import identity as identity_contract
from services.communities.models import Community, Membership
from services.inbox.models import FollowRelation
from tests.inprocess import MEMBER
from tests.unit.api_support import ApiUser

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _in_department(node, username: str, department: str) -> None:
    from services.identity.models import Account

    Account.objects(username=username).update_one(
        set__scim_attributes=json.dumps({ENTERPRISE: {"department": department, "organization": "fr"}}))


@pytest.fixture
def finance(node):
    """alice (owner of the "finance" announcement channel, rule department=Finance), amelie
    its moderator; arno in Finance, berta in Sales."""
    for name in ("alice", "amelie", "arno", "berta"):
        node.local_user(name)
    _in_department(node, "arno", "Finance")
    _in_department(node, "berta", "Sales")
    group = node.community("finance", owner=node.actor("alice"), members=(node.actor("amelie"),))
    Community.objects(slug="finance").update(set__membership_rule={"department": "Finance"},
                                             set__posting="moderators")
    Membership.objects(community="finance", actor=node.actor("amelie")).update(set__role="moderator")
    node.follows(node.actor("amelie"), group)
    return node


def _changed(node, username: str, entry: dict | None) -> dict:
    resp = node.internal.request("POST", contract.SERVICE, contract.DIRECTORY_CHANGED,
                                 json={"actor": node.actor(username), "entry": entry})
    assert resp.status_code == 200, resp.text
    return resp.json()["changed"]


def _announced_to_arno(node, group: str, text: str) -> bool:
    """amelie (a moderator) posts to the channel: does the Group's relay reach arno's inbox?"""
    note = node.publish("amelie", {"type": "Note", "content": text, "to": [group]})["object"]["id"]
    node.run()
    relays = [a for a in node.sent_by(group) if a["type"] == "Announce" and a["object"]["object"]["id"] == note]
    assert len(relays) == 1  # the Group took it in and relayed it
    return relays[0]["id"] in node.inbox_of("arno")


def test_the_rule_is_set_and_checked_through_the_communities_api(node):
    node.local_user("alice")
    alice = ApiUser(node, "alice")
    resp = alice.post("/communities", json={"name": "Finance everywhere", "slug": "finance_all",
                                            "membership_rule": {"department": "Salary", "pay": "high"}})
    assert resp.status_code == 422 and "unknown attribute pay" in resp.json["error_description"]
    resp = alice.post("/communities", json={"name": "Finance everywhere", "slug": "finance_all",
                                            "posting": "moderators", "membership_rule": {"department": " Finance"}})
    assert resp.status_code == 201, resp.text
    assert resp.json["membership_rule"] == {"department": "Finance"}
    resp = alice.patch("/communities/finance_all", json={"membership_rule": {"entity": "fr"}})
    assert resp.status_code == 200 and resp.json["membership_rule"] == {"entity": "fr"}
    assert alice.patch("/communities/finance_all", json={"membership_rule": "fr"}).status_code == 422
    resp = alice.patch("/communities/finance_all", json={"membership_rule": None})
    assert resp.status_code == 200 and resp.json["membership_rule"] is None


def test_a_person_the_directory_moves_in_and_out_joins_and_leaves(finance):
    node, arno, group = finance, finance.actor("arno"), f"{finance.base}/communities/finance"
    entry = {"department": "Finance", "entity": "fr"}
    assert _changed(node, "arno", entry) == {"finance": {"added": [arno], "removed": []}}
    membership = Membership.objects(community="finance", actor=arno).get()
    assert (membership.state, membership.role, membership.source) == ("member", "member", "rule")
    accept = node.sent_by(group)[-1]
    assert accept["type"] == "Accept" and accept["object"] == {"type": "Follow", "actor": arno, "object": group}
    node.run()
    # his node (here this one) lists the membership: he follows the Group, its Announces reach him
    assert FollowRelation.objects(follower=arno, followee=group).get().state == "accepted"
    assert _changed(node, "arno", entry) == {}  # nothing changes twice
    assert _announced_to_arno(node, group, "Budget 2027 is out")

    assert _changed(node, "arno", {"department": "Sales"}) == {"finance": {"added": [], "removed": [arno]}}
    assert Membership.objects(community="finance", actor=arno).first() is None
    assert node.sent_by(group)[-1]["type"] == "Reject"
    node.run()
    assert FollowRelation.objects(follower=arno, followee=group).first() is None
    assert not _announced_to_arno(node, group, "Budget 2028 is out")  # removed: no more posts
    # people who did not come by the rule stay whatever the directory says of them
    assert _changed(node, "amelie", None) == {} and _changed(node, "alice", {"department": "Sales"}) == {}
    assert Membership.objects(community="finance", actor=node.actor("amelie")).get().role == "moderator"


def test_a_closed_account_leaves_the_rule_communities(finance):
    _changed(finance, "arno", {"department": "Finance"})
    assert _changed(finance, "arno", None) == {"finance": {"added": [], "removed": [finance.actor("arno")]}}


def test_only_a_group_of_the_group_enrols_without_a_follow(finance):
    """An Accept of a Follow never sent, from an outside Group or from a Person, enrols nobody."""
    stranger = finance.remote_actor("http://partner.test/communities/spam", actor_type="Group")
    person = finance.remote_actor(f"{MEMBER}/users/mallory")
    for sender in (stranger, person):
        activity = {"id": f"{sender.id}/accept/1", "type": "Accept", "actor": sender.id,
                    "to": [finance.actor("berta")],
                    "object": {"type": "Follow", "actor": finance.actor("berta"), "object": sender.id}}
        assert finance.deliver(activity, by=sender).status_code == 202
    finance.run()
    assert FollowRelation.objects(follower=finance.actor("berta")).count() == 0


def test_the_group_wide_query_names_the_nodes_that_did_not_answer(finance):
    resp = finance.internal.request("GET", identity_contract.SERVICE, identity_contract.PEOPLE_MATCHING,
                                    params={"department": "finance"})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"actors": [finance.actor("arno")], "unreachable": [MEMBER]}
    resp = finance.internal.request("GET", identity_contract.SERVICE, identity_contract.PEOPLE_MATCHING)
    assert resp.status_code == 400  # a rule names at least one attribute


def test_a_members_post_to_the_announcement_channel_is_refused_with_403(finance):
    _changed(finance, "arno", {"department": "Finance"})
    text = "@finance Budget is out"
    resp = ApiUser(finance, "arno").post("/api/v1/statuses", json={"status": text, "visibility": "public"})
    assert resp.status_code == 403, resp.text
    assert resp.json["error"] == "Only the moderators of the community finance may post to it"
    resp = ApiUser(finance, "amelie").post("/api/v1/statuses", json={"status": text, "visibility": "public"})
    assert resp.status_code == 200, resp.text
