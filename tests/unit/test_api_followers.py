"""Follow requests to a locked account, removing a follower and editing one's profile
(docs.joinmastodon.org/methods/follow_requests/, /methods/accounts/#remove_from_followers,
#update_credentials) through the node's gateway, in process."""

from __future__ import annotations

import pytest

from tests.inprocess import MEMBER
from tests.unit.api_support import ApiUser, api_user


@pytest.fixture
def alice(node) -> ApiUser:
    node.local_user("alice", locked=True)
    return ApiUser(node, "alice")


def _remote_follow(node, name: str) -> tuple[str, str]:
    remote = node.remote_actor(f"{MEMBER}/users/{name}")
    follow_id = f"{remote.id}/follows/1"
    assert node.deliver({"id": follow_id, "type": "Follow", "actor": remote.id, "object": node.actor("alice")},
                        by=remote).status_code == 202
    node.run()
    return remote.id, follow_id


def _state(node, follower: str) -> str | None:
    from services.inbox.models import FollowRelation

    found = FollowRelation.objects(follower=follower, followee=node.actor("alice")).first()
    return found.state if found else None


def _id_of(user: ApiUser, uri: str) -> str:
    from services.api.ids import account_id

    with user.node.services["api"].app_context():
        return account_id(uri)


def test_a_locked_account_authorizes_and_rejects_follow_requests(node, alice):
    bob, bob_follow = _remote_follow(node, "bob")
    berta, _ = _remote_follow(node, "berta")
    carol = api_user(node, "carol")
    assert carol.post(f"/api/v1/accounts/{_id_of(carol, node.actor('alice'))}/follow").status_code == 200
    node.run()
    assert {_state(node, a) for a in (bob, berta, node.actor("carol"))} == {"pending"}

    listed = alice.get("/api/v1/follow_requests")
    assert listed.status_code == 200
    assert [a["acct"] for a in listed.get_json()] == ["carol", "berta@de.test", "bob@de.test"]
    assert alice.get("/api/v1/accounts/verify_credentials").get_json()["source"]["follow_requests_count"] == 3

    answer = alice.post(f"/api/v1/follow_requests/{_id_of(alice, bob)}/authorize")
    assert answer.status_code == 200 and answer.get_json()["followed_by"] is True
    assert alice.post(f"/api/v1/follow_requests/{_id_of(alice, berta)}/reject").get_json()["followed_by"] is False
    assert alice.post(f"/api/v1/follow_requests/{_id_of(alice, node.actor('carol'))}/authorize").status_code == 200
    node.run()
    assert (_state(node, bob), _state(node, berta), _state(node, node.actor("carol"))) == ("accepted", None, "accepted")
    # bob's server hears the Accept of his Follow, berta's the Reject
    sent = [(a["type"], a["object"]["actor"]) for a in node.sent_by(node.actor("alice"))]
    assert sent == [("Accept", bob), ("Reject", berta), ("Accept", node.actor("carol"))]
    assert node.sent_by(node.actor("alice"))[0]["object"]["id"] == bob_follow
    assert alice.get("/api/v1/follow_requests").get_json() == []
    # no request (any more) from that account: 404, as Mastodon
    assert alice.post(f"/api/v1/follow_requests/{_id_of(alice, bob)}/authorize").status_code == 404
    assert carol.get("/api/v1/follow_requests").get_json() == []  # only one's own


def test_remove_from_followers(node, alice):
    bob, _ = _remote_follow(node, "bob")
    alice.post(f"/api/v1/follow_requests/{_id_of(alice, bob)}/authorize")
    node.run()
    assert _state(node, bob) == "accepted"
    answer = alice.post(f"/api/v1/accounts/{_id_of(alice, bob)}/remove_from_followers")
    assert answer.status_code == 200 and answer.get_json()["followed_by"] is False
    node.run()
    assert _state(node, bob) is None
    assert node.sent_by(node.actor("alice"))[-1]["type"] == "Reject"
    # not a follower: the relationship as it is
    again = alice.post(f"/api/v1/accounts/{_id_of(alice, bob)}/remove_from_followers")
    assert again.status_code == 200 and again.get_json()["followed_by"] is False
    assert alice.post("/api/v1/accounts/999/remove_from_followers").status_code == 404


def test_update_credentials_edits_what_people_add_and_federates_it(node):
    alice = api_user(node, "alice")
    resp = alice.patch("/api/v1/accounts/update_credentials", data={
        "display_name": "Alice M.", "note": "Welding expert\n\nLyon plant", "locked": "true",
        "fields_attributes[0][name]": "Trade", "fields_attributes[0][value]": "TIG <welding>",
        "fields_attributes[1][name]": "Site", "fields_attributes[1][value]": "Lyon"})
    assert resp.status_code == 200, resp.text
    me = resp.get_json()
    assert (me["display_name"], me["locked"]) == ("Alice M.", True)
    assert me["note"] == "<p>Welding expert</p><p>Lyon plant</p>"
    assert me["source"]["note"] == "Welding expert\n\nLyon plant"
    assert [(f["name"], f["value"]) for f in me["fields"]] == [("Trade", "TIG &lt;welding&gt;"), ("Site", "Lyon")]
    assert [(f["name"], f["value"]) for f in me["source"]["fields"]] == [("Trade", "TIG <welding>"), ("Site", "Lyon")]
    # the Person the group sees says the same (outside the group only what the node's policy
    # lets out: no fields by default), and the Update went out through the outbox
    from fedkit.contracts.identity import IdentityClient

    person = IdentityClient(node.internal).find_person("alice")
    assert person["manuallyApprovesFollowers"] is True and person["attachment"][0]["name"] == "Trade"
    outside = node.gateway.get("/users/alice", headers={"Accept": "application/activity+json"},
                               base_url=node.base).get_json()
    assert outside["manuallyApprovesFollowers"] is True and "attachment" not in outside
    assert node.sent_by(node.actor("alice"))[-1]["type"] == "Update"
    # JSON works too; too long a note is refused
    resp = alice.patch("/api/v1/accounts/update_credentials", json={"locked": False})
    assert resp.get_json()["locked"] is False and resp.get_json()["display_name"] == "Alice M."
    assert alice.patch("/api/v1/accounts/update_credentials", data={"note": "x" * 501}).status_code == 422


def test_the_directory_owns_the_name_of_the_accounts_it_manages(node):
    from services.identity.models import Account

    node.local_user("dora")  # then linked to the group's provider, as sign-in or SCIM links it
    Account.objects(username="dora").update_one(set__issuer="https://idp.example", set__subject="d-1",
                                                set__display_name="Dora Durand")
    dora = ApiUser(node, "dora")
    refused = dora.patch("/api/v1/accounts/update_credentials", data={"display_name": "Dodo"})
    assert refused.status_code == 422 and "company directory" in refused.get_json()["error"]
    # the whole form sent back with the same name is fine
    same = dora.patch("/api/v1/accounts/update_credentials", data={"display_name": "Dora Durand", "note": "Hi"})
    assert same.status_code == 200 and same.get_json()["display_name"] == "Dora Durand"
    assert dora.patch("/api/v1/accounts/update_credentials", data={}).status_code == 200


def test_update_credentials_answers_odd_input_with_a_4xx_or_the_profile(node):
    alice = api_user(node, "alice")
    for body in ({"fields_attributes": "x"}, {"fields_attributes": {"a": 1, "0": {"name": 3}}},
                 {"fields_attributes": [{"name": "n", "value": {"$ne": 1}}] * 2}, {"display_name": ["x"]},
                 {"note": 5, "locked": []}, {"fields_attributes": [{"name": "n" * 300, "value": "v"}]},
                 {"fields_attributes": [{"name": f"n{i}", "value": "v"} for i in range(5)]}, [], "x"):
        resp = alice.patch("/api/v1/accounts/update_credentials", json=body)
        assert resp.status_code in (200, 400, 422), (body, resp.status_code, resp.text[:200])
    form = {"fields_attributes[x][name]": "a", "fields_attributes[0][value]": "no name", "locked": "maybe"}
    resp = alice.patch("/api/v1/accounts/update_credentials", data=form)
    assert resp.status_code == 200 and resp.get_json()["fields"] == [] and resp.get_json()["locked"] is False
    assert alice.patch("/api/v1/accounts/update_credentials", data="{", content_type="application/json").status_code \
        == 400
