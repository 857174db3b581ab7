"""The federation core end to end: real processes, real HTTP, real signatures.

alice@fr follows bob@de; bob's posts reach her; likes, boosts, deletes and
unfollows federate; berta (de, not a follower) cannot read followers-only posts.
"""

from __future__ import annotations

import pytest

from tests.plugin import find, wait_until

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture(scope="module")
def alice_follows_bob(group):
    fr, de = group["fr"], group["de"]
    follow = fr.publish("alice", {"type": "Follow", "object": de.actor("bob")})
    assert follow["actor"] == fr.actor("alice") and follow["id"].startswith(fr.base)
    wait_until(lambda: de.actor("bob") in fr.following("alice"), message="the Accept to reach fr")
    return follow


def test_follow_is_accepted_across_nodes(group, alice_follows_bob):
    fr, de = group["fr"], group["de"]
    assert fr.actor("alice") in de.followers("bob")
    # bob was notified of the new follower; alice received the Accept
    assert find(de.inbox("bob"), alice_follows_bob["id"])["type"] == "Follow"
    accept = next(a for a in fr.inbox("alice") if a["type"] == "Accept")
    assert accept["actor"] == de.actor("bob") and accept["object"]["id"] == alice_follows_bob["id"]


def test_followers_only_note_reaches_follower_and_is_hidden_from_others(group, alice_follows_bob):
    fr, de = group["fr"], group["de"]
    create = de.publish("bob", {"type": "Note", "content": "Quarterly numbers are in <script>x()</script>",
                                "to": [f"{de.actor('bob')}/followers"]})
    assert create["type"] == "Create"
    note = create["object"]
    assert "<script>" not in note["content"]
    arrived = wait_until(lambda: find(fr.inbox("alice"), create["id"]), message="bob's note in alice's inbox")
    assert arrived["object"]["content"] == note["content"]
    assert arrived["object"]["attributedTo"] == de.actor("bob")

    # alice, a follower, fetches it through her node, signed as herself: allowed
    resp = fr.proxy_fetch("alice", note["id"])
    assert resp.status_code == 200 and resp.json()["id"] == note["id"]
    # berta, on bob's own node but not a follower: the same answer as a missing object
    resp = de.proxy_fetch("berta", note["id"])
    assert resp.status_code == 404
    # anonymous: 404 too, and nothing of the content leaks
    resp = de.http.get(note["id"], headers={"Accept": "application/activity+json"})
    assert resp.status_code == 404 and "Quarterly" not in resp.text
    # alain on fr does not follow bob: not in his inbox
    assert find(fr.inbox("alain"), create["id"]) is None


def test_direct_note_reaches_only_the_mentioned(group):
    fr, de = group["fr"], group["de"]
    create = fr.publish("alain", {
        "type": "Note", "content": "Just for you, Berta", "to": [de.actor("berta")],
        "tag": [{"type": "Mention", "href": de.actor("berta"), "name": f"@berta@{de.host}"}]})
    wait_until(lambda: find(de.inbox("berta"), create["id"]), message="direct note to berta")
    assert find(de.inbox("bob"), create["id"]) is None
    assert de.proxy_fetch("bob", create["object"]["id"]).status_code == 404
    assert de.proxy_fetch("berta", create["object"]["id"]).status_code == 200


def test_like_and_announce_federate(group, alice_follows_bob):
    fr, de = group["fr"], group["de"]
    # alain follows alice locally, so he sees what she boosts
    fr.publish("alain", {"type": "Follow", "object": fr.actor("alice")})
    wait_until(lambda: fr.actor("alain") in fr.followers("alice"), message="local follow")

    note = de.publish("bob", {"type": "Note", "content": "Public news", "to": [PUBLIC],
                              "cc": [f"{de.actor('bob')}/followers"]})["object"]
    like = fr.publish("alice", {"type": "Like", "object": note["id"]})
    assert like["to"] == [de.actor("bob")]
    announce = fr.publish("alice", {"type": "Announce", "object": note["id"]})
    wait_until(lambda: find(de.inbox("bob"), like["id"]), message="the Like to reach bob")
    wait_until(lambda: find(de.inbox("bob"), announce["id"]), message="the Announce to reach bob")
    wait_until(lambda: find(fr.inbox("alain"), announce["id"]), message="the boost in alain's inbox")
    assert de.db.interactions.count_documents({"object_id": note["id"]}) == 2

    undo = fr.publish("alice", {"type": "Undo", "object": like["id"]})
    assert undo["object"]["type"] == "Like"
    wait_until(lambda: de.db.interactions.count_documents({"object_id": note["id"], "kind": "Like"}) == 0,
               message="the Undo(Like) to remove the like")


def test_delete_leaves_a_tombstone(group, alice_follows_bob):
    fr, de = group["fr"], group["de"]
    create = de.publish("bob", {"type": "Note", "content": "Typo-ridden post", "to": [PUBLIC],
                                "cc": [f"{de.actor('bob')}/followers"]})
    note_id = create["object"]["id"]
    wait_until(lambda: find(fr.inbox("alice"), create["id"]), message="the note on fr")
    delete = de.publish("bob", {"type": "Delete", "object": note_id})
    assert delete["object"]["type"] == "Tombstone"
    wait_until(lambda: find(fr.inbox("alice"), create["id"])["object"]["type"] == "Tombstone",
               message="a Tombstone in place of the note on fr")
    stored = fr.db.received_objects.find_one({"_id": note_id})
    assert stored["raw"]["type"] == "Tombstone" and "Typo" not in str(stored)
    resp = de.http.get(note_id, headers={"Accept": "application/activity+json"})
    assert resp.status_code == 410 and resp.json()["type"] == "Tombstone"


def test_update_note_federates(group, alice_follows_bob):
    fr, de = group["fr"], group["de"]
    create = de.publish("bob", {"type": "Note", "content": "Meeting at 10", "to": [PUBLIC]})
    wait_until(lambda: find(fr.inbox("alice"), create["id"]), message="the note on fr")
    de.publish("bob", {"type": "Update", "object": {"id": create["object"]["id"], "content": "Meeting at 11"}})
    wait_until(lambda: "11" in find(fr.inbox("alice"), create["id"])["object"]["content"],
               message="the edit on fr")


def test_cannot_act_for_someone_else(group):
    fr = group["fr"]
    resp = fr.http.post(f"{fr.actor('alain')}/outbox", json={"type": "Note", "content": "x"},
                        headers=fr.auth("alice"))
    assert resp.status_code == 403
    forged = fr.publish("alice", {"type": "Note", "content": "mine", "actor": fr.actor("alain"),
                                  "attributedTo": fr.actor("alain"), "id": "http://evil.example/x"})
    assert forged["actor"] == fr.actor("alice")
    assert forged["object"]["attributedTo"] == fr.actor("alice")
    assert forged["id"].startswith(fr.base + "/activities/")
    resp = fr.post("alice", {"type": "Delete", "object": "http://127.0.0.1:1/objects/none"})
    assert resp.status_code == 422


def test_undo_follow_stops_delivery(group, alice_follows_bob):
    fr, de = group["fr"], group["de"]
    undo = fr.publish("alice", {"type": "Undo", "object": alice_follows_bob["id"]})
    assert undo["object"]["type"] == "Follow"
    wait_until(lambda: fr.actor("alice") not in de.followers("bob"), message="the unfollow on de")
    wait_until(lambda: de.actor("bob") not in fr.following("alice"), message="the unfollow on fr")
    create = de.publish("bob", {"type": "Note", "content": "After the unfollow",
                                "to": [f"{de.actor('bob')}/followers"]})
    wait_until(lambda: de.db.outbox_activities.find_one({"_id": create["id"], "fanout": "done"}),
               message="bob's fan-out")
    assert de.db.deliveries.count_documents({"activity_id": create["id"]}) == 0
    assert find(fr.inbox("alice"), create["id"]) is None


def test_locked_account_approves_and_rejects_follow_requests(group):
    fr, de = group["fr"], group["de"]
    update = de.publish("berta", {"type": "Update", "object": {
        "id": de.actor("berta"), "type": "Person", "manuallyApprovesFollowers": True, "summary": "Ask first"}})
    assert update["object"]["manuallyApprovesFollowers"] is True
    assert de.http.get(de.actor("berta")).json()["manuallyApprovesFollowers"] is True

    request = fr.publish("alice", {"type": "Follow", "object": de.actor("berta")})
    wait_until(lambda: find(de.inbox("berta"), request["id"]), message="the follow request for berta")
    assert fr.actor("alice") not in de.followers("berta")  # pending until berta decides
    de.publish("berta", {"type": "Accept", "object": request["id"]})
    wait_until(lambda: de.actor("berta") in fr.following("alice"), message="berta's Accept on fr")
    wait_until(lambda: fr.actor("alice") in de.followers("berta"), message="the Accept applied on de")

    rejected = fr.publish("alain", {"type": "Follow", "object": de.actor("berta")})
    wait_until(lambda: find(de.inbox("berta"), rejected["id"]), message="alain's follow request")
    de.publish("berta", {"type": "Reject", "object": rejected["id"]})
    wait_until(lambda: fr.db.follows.count_documents(
        {"follower": fr.actor("alain"), "followee": de.actor("berta")}) == 0, message="the Reject on fr")
    wait_until(lambda: de.db.follows.count_documents(
        {"follower": fr.actor("alain"), "followee": de.actor("berta")}) == 0, message="the Reject applied on de")
    # Nobody answers a follow request addressed to someone else.
    resp = de.post("bob", {"type": "Accept", "object": rejected["id"]})
    assert resp.status_code == 422


def test_bcc_recipients_get_the_post_but_nobody_sees_the_list(group):
    fr, de = group["fr"], group["de"]
    create = fr.publish("alain", {"type": "Note", "content": "Board memo", "to": [fr.actor("alice")],
                                  "bcc": [de.actor("berta")]})
    assert "bcc" not in create and "bcc" not in create["object"]
    for client, user in ((fr, "alice"), (de, "berta")):
        got = wait_until(lambda c=client, u=user: find(c.inbox(u), create["id"]), message=f"the memo for {user}")
        assert "bcc" not in got and "bcc" not in got["object"] and de.actor("berta") not in str(got)
    assert find(de.inbox("bob"), create["id"]) is None
    delivery = fr.db.deliveries.find_one({"activity_id": create["id"]})
    assert delivery["inbox"] == f"{de.actor('berta')}/inbox"  # personal inbox, not the shared one
