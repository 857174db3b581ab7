"""Mastodon 4.3's grouped notifications and notification policy (services/api/
notification_groups.py): apps that see ``api_versions.mastodon: 2`` read these instead of
``/api/v1/notifications``; each notification is its own group, so both lists agree."""

from __future__ import annotations

from fedkit.protocol.vocab import PUBLIC
from tests.inprocess import MEMBER
from tests.unit.api_support import api_user

BOB = f"{MEMBER}/users/bob"


def test_grouped_notifications_agree_with_the_v1_list(node):
    alice = api_user(node, "alice")
    bob = node.remote_actor(BOB)
    posted = node.publish("alice", {"type": "Note", "content": "hello", "to": [PUBLIC]})
    node.run()
    post_id = posted["object"]["id"]
    for n, kind in enumerate(("Like", "Announce")):
        assert node.deliver({"id": f"{MEMBER}/{kind}/{n}", "type": kind, "actor": BOB, "object": post_id,
                             "to": [PUBLIC]}, by=bob).status_code == 202
    follow = {"id": f"{MEMBER}/follow/1", "type": "Follow", "actor": BOB, "object": node.actor("alice")}
    assert node.deliver(follow, by=bob).status_code == 202
    node.run()

    v1 = alice.get("/api/v1/notifications").get_json()
    grouped = alice.get("/api/v2/notifications")
    assert grouped.status_code == 200, grouped.text
    body = grouped.get_json()
    groups = body["notification_groups"]
    assert [g["most_recent_notification_id"] for g in groups] == [n["id"] for n in v1]
    assert {g["type"] for g in groups} == {"favourite", "reblog", "follow"}
    assert all(g["group_key"] == f"ungrouped-{g['most_recent_notification_id']}" and g["notifications_count"] == 1
               for g in groups)
    [account] = body["accounts"]
    assert account["acct"].startswith("bob@") and all(g["sample_account_ids"] == [account["id"]] for g in groups)
    [status] = body["statuses"]
    assert status["uri"] == post_id
    assert {g.get("status_id") for g in groups} == {status["id"], None}
    only = alice.get("/api/v2/notifications", query_string={"types[]": "follow"}).get_json()
    assert [g["type"] for g in only["notification_groups"]] == ["follow"]


def test_the_policy_says_nothing_is_filtered(node):
    alice = api_user(node, "alice")
    assert alice.get("/api/v2/notifications/policy").get_json()["for_not_following"] == "accept"
    assert alice.get("/api/v1/notifications/policy").get_json()["filter_not_following"] is False
    assert alice.get("/api/v1/notifications/requests").get_json() == []
    assert node.gateway.get("/api/v2/notifications", base_url=node.base).status_code == 401
