"""A Group outside our group cannot relay forged activities in a member's name (FEP-1b12).

A community's Group announces its members' Create/Update/Delete embedded; a node applies
them so that the Group's followers see the post. A Group that is not on a member node
of the group registry is not taken at its word: what it relays is checked against the
author's own server. The outside Group here is run by the test on loopback (a plain
ActivityPub server, not in the registry); bob@de follows it, alice@fr is the author
whose name it tries to use. Every delivery is signed by the Group's own key and sent
to de's shared inbox.
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e.community_support import inbox_object, processed_on
from tests.e2e.test_plain_activitypub_peer import PlainActivityPubPeer
from tests.plugin import wait_until

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
FR_USERS = ("alice", "alain", "amelie")


class OutsideGroup(PlainActivityPubPeer):
    """A Group actor (FEP-1b12 community) on a plain ActivityPub server outside the group."""

    def __init__(self, slug: str):
        super().__init__(slug)
        doc = self.documents[f"/users/{slug}"]
        doc["type"] = "Group"
        doc["name"] = f"Outside community {slug}"
        self.id = self.actor
        self.followers = doc["followers"]

    def announce(self, inbox: str, inner: dict) -> dict:
        """Send ``Announce{inner}`` to the Group's followers; the POST must be accepted (202)."""
        announce = {"id": self.new_id("activities"), "type": "Announce", "actor": self.id,
                    "to": [self.followers], "object": inner}
        sent = self.send(inbox, announce)
        assert sent.status_code == 202, sent.text
        return announce


@pytest.fixture(scope="module")
def outside_group(request):
    peer = OutsideGroup(f"outsiders{uuid.uuid4().hex[:8]}")
    request.addfinalizer(peer.close)
    return peer


@pytest.fixture(scope="module")
def bob_follows_group(group, outside_group):
    """bob@de follows the outside Group; it accepts (signed), so de records the follow."""
    de = group["de"]
    follow = de.publish("bob", {"type": "Follow", "object": outside_group.id})
    received = wait_until(lambda: outside_group.find(lambda a: a.get("type") == "Follow"
                                                      and a.get("id") == follow["id"]),
                          message="bob's Follow at the outside Group's inbox")
    assert outside_group.verify_received(received) == de.actor("bob")
    accept = {"id": outside_group.new_id("activities"), "type": "Accept", "actor": outside_group.id,
              "to": [de.actor("bob")],
              "object": {"id": follow["id"], "type": "Follow", "actor": de.actor("bob"),
                         "object": outside_group.id}}
    sent = outside_group.send(f"{de.base}/users/bob/inbox", accept)
    assert sent.status_code == 202, sent.text
    wait_until(lambda: de.db.follows.find_one({"follower": de.actor("bob"), "followee": outside_group.id,
                                               "state": "accepted"}),
               message="de to record bob's follow of the outside Group as accepted")
    return outside_group


def shared_inbox(node) -> str:
    return f"{node.base}/inbox"


def received(node, object_id: str) -> dict | None:
    return node.db.received_objects.find_one({"_id": object_id})


def author_without_followers_on(fr, de) -> str:
    """A user of fr nobody on de follows: her unlisted posts reach de only through a relay."""
    for username in FR_USERS:
        if not any(f.startswith(de.base + "/") for f in fr.followers(username)):
            return username
    raise AssertionError("every user of fr has followers on de: cannot isolate the relay")


def relay_genuine_post(fr, de, group_peer: OutsideGroup, text: str) -> tuple[str, dict, dict]:
    """An author on fr posts to the outside Group, unlisted (public in ``cc``), and the Group
    relays her Create to de. Unlisted, because a listed public post is in the group's stream
    and fr delivers it to every member node itself: this one reaches de only through the
    relay. Returns (author actor id, the Create as published, the Announce)."""
    author = author_without_followers_on(fr, de)
    create = fr.publish(author, {"type": "Note", "content": text, "to": [group_peer.id], "cc": [PUBLIC]})
    note = create["object"]
    assert note["attributedTo"] == fr.actor(author) and group_peer.id in note["to"]
    announce = group_peer.announce(shared_inbox(de), create)
    stored = wait_until(lambda: received(de, note["id"]), message="de to store the relayed post")
    assert stored["attributed_to"] == fr.actor(author)
    assert not stored["deleted"]
    # it came through the relay: fr never delivered the Create to de itself
    assert de.db.inbound_activities.find_one({"_id": create["id"]}) is None
    return fr.actor(author), create, announce


def test_a_forged_create_relayed_by_an_outside_group_is_not_shown(group, bob_follows_group):
    fr, de = group["fr"], group["de"]
    peer = bob_follows_group
    alice = fr.actor("alice")
    marker = f"forged {uuid.uuid4().hex}"
    forged_note = {"id": f"{fr.base}/objects/{uuid.uuid4().hex}", "type": "Note", "attributedTo": alice,
                   "to": [peer.id], "content": marker, "published": "2024-01-01T00:00:00Z"}
    forged_create = {"id": f"{fr.base}/activities/{uuid.uuid4().hex}", "type": "Create", "actor": alice,
                     "to": [peer.id], "object": forged_note}
    # the origin knows nothing of it
    assert fr.http.get(forged_note["id"], headers={"Accept": "application/activity+json"}).status_code == 404

    announce = peer.announce(shared_inbox(de), forged_create)
    wait_until(lambda: processed_on(de, announce["id"]), message="de to process the forged relay")

    assert received(de, forged_note["id"]) is None
    shown = inbox_object(de, "bob", forged_note["id"])
    assert shown is None or marker not in json.dumps(shown), \
        f"bob's inbox shows the forged note in alice's name: {shown!r}"
    assert marker not in json.dumps(de.inbox("bob")), "the forged content reached bob's inbox"


def test_a_genuine_post_relayed_by_an_outside_group_is_shown(group, bob_follows_group):
    fr, de = group["fr"], group["de"]
    text = f"Hello, outside community {uuid.uuid4().hex}"
    author, create, announce = relay_genuine_post(fr, de, bob_follows_group, text)
    note = create["object"]
    stored = received(de, note["id"])
    assert stored["attributed_to"] == author and stored["raw"]["content"] == note["content"]
    seen = wait_until(lambda: inbox_object(de, "bob", note["id"]), message="the relayed post in bob's inbox")
    assert seen["attributedTo"] == author and seen["content"] == note["content"]
    assert text in seen["content"]


def test_a_forged_delete_relayed_by_an_outside_group_removes_nothing(group, bob_follows_group):
    fr, de = group["fr"], group["de"]
    peer = bob_follows_group
    author, create, _ = relay_genuine_post(fr, de, peer, f"Still here {uuid.uuid4().hex}")
    note = create["object"]
    # fr serves it to anyone: the origin says it exists
    assert fr.http.get(note["id"], headers={"Accept": "application/activity+json"}).status_code == 200

    forged_delete = {"id": f"{fr.base}/activities/{uuid.uuid4().hex}", "type": "Delete", "actor": author,
                     "to": [peer.id], "object": note["id"]}
    announce = peer.announce(shared_inbox(de), forged_delete)
    wait_until(lambda: processed_on(de, announce["id"]), message="de to process the forged Delete relay")

    stored = received(de, note["id"])
    assert stored is not None and not stored["deleted"]
    assert stored["raw"]["type"] == "Note" and stored["raw"]["content"] == note["content"]
    shown = inbox_object(de, "bob", note["id"])
    assert shown is not None and shown["type"] == "Note" and shown["content"] == note["content"]


def test_a_delete_relayed_for_a_post_not_addressed_to_that_group_removes_nothing(group, bob_follows_group):
    fr, de = group["fr"], group["de"]
    peer = bob_follows_group
    alice, bob = fr.actor("alice"), de.actor("bob")
    if not de.db.follows.find_one({"follower": bob, "followee": alice, "state": "accepted"}):
        de.publish("bob", {"type": "Follow", "object": alice})
        wait_until(lambda: de.db.follows.find_one({"follower": bob, "followee": alice, "state": "accepted"}),
                   message="bob to follow alice")
    create = fr.publish("alice", {"type": "Note", "content": f"Not for that Group {uuid.uuid4().hex}",
                                  "to": [PUBLIC]})
    note = create["object"]
    assert peer.id not in json.dumps(note)
    held = wait_until(lambda: received(de, note["id"]), message="de to hold alice's public post")
    assert held["attributed_to"] == alice and not held["deleted"]

    forged_delete = {"id": f"{fr.base}/activities/{uuid.uuid4().hex}", "type": "Delete", "actor": alice,
                     "to": [PUBLIC], "object": note["id"]}
    announce = peer.announce(shared_inbox(de), forged_delete)
    wait_until(lambda: processed_on(de, announce["id"]), message="de to process the Delete relay")

    stored = received(de, note["id"])
    assert stored is not None and not stored["deleted"]
    assert stored["raw"]["type"] == "Note" and stored["raw"]["content"] == note["content"]
    assert fr.http.get(note["id"], headers={"Accept": "application/activity+json"}).status_code == 200
