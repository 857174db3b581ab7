"""Deletes, Updates and relays are applied only from who may issue them.

The author may delete or edit a post; the Group (FEP-1b12 community) it was addressed
to may remove it; a Group relays only its members' own activities. Anyone else — an
outside account the post mentions, a Person on a member node pretending to relay — is
refused, however they were addressed. The outsider, mallory, is a plain ActivityPub
server on loopback signing like Mastodon (tests/e2e/test_plain_activitypub_peer.py);
the Person on a member node is bob@de, signing with his real key from de's key vault.
Every wait is on the activity having been processed, never on time.
"""

from __future__ import annotations

import json
import uuid

import pytest

from fedkit.runtime.config import Config
from fedkit.runtime.http import signed_post
from tests.e2e.community_support import inbox_object, processed_on
from tests.e2e.test_plain_activitypub_peer import AP, PlainActivityPubPeer
from tests.e2e.test_relay_forgery import OutsideGroup
from tests.plugin import wait_until

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
AS2 = "https://www.w3.org/ns/activitystreams"


@pytest.fixture(scope="module")
def mallory(request):
    peer = PlainActivityPubPeer(f"mallory{uuid.uuid4().hex[:6]}")
    request.addfinalizer(peer.close)
    return peer


@pytest.fixture(scope="module")
def outside_community(request):
    peer = OutsideGroup(f"forum{uuid.uuid4().hex[:6]}")
    request.addfinalizer(peer.close)
    return peer


def follow(node, username: str, target: str) -> dict | None:
    """``username`` follows ``target`` (accepted); the Follow when it is new here."""
    actor = node.actor(username)
    if node.db.follows.find_one({"follower": actor, "followee": target, "state": "accepted"}):
        return None
    sent = node.publish(username, {"type": "Follow", "object": target})
    wait_until(lambda: node.db.follows.find_one({"follower": actor, "followee": target, "state": "accepted"}),
               message=f"{username} to follow {target}")
    return sent


@pytest.fixture(scope="module")
def alice_followed(group):
    """alain (fr) and bob (de) follow alice; the follows this module made are undone after
    it, so that the other modules find the group as they expect it."""
    fr, de = group["fr"], group["de"]
    made = [(node, username, follow(node, username, fr.actor("alice")))
            for node, username in ((fr, "alain"), (de, "bob"))]
    yield fr.actor("alice")
    for node, username, sent in made:
        if sent is not None:
            node.publish(username, {"type": "Undo", "object": sent["id"]})
            wait_until(lambda node=node, username=username: not fr.db.follows.find_one(
                {"follower": node.actor(username), "followee": fr.actor("alice")}),
                message=f"{username}'s unfollow of alice")


def received(node, object_id: str) -> dict | None:
    return node.db.received_objects.find_one({"_id": object_id})


def served(node, object_id: str):
    return node.http.get(object_id, headers={"Accept": AP})


def alice_posts(fr, de, text: str, **addressing) -> dict:
    """alice's public post, once her followers on fr and de hold it."""
    create = fr.publish("alice", {"type": "Note", "content": text, "to": [PUBLIC], **addressing})
    note = create["object"]
    for node, user in ((fr, "alain"), (de, "bob")):
        wait_until(lambda node=node, user=user: inbox_object(node, user, note["id"]),
                   message=f"alice's post in {user}'s inbox")
    return note


def still_there(group, note: dict) -> None:
    """alice's post is served at its id and her followers on both nodes still see it."""
    fr, de = group["fr"], group["de"]
    answer = served(fr, note["id"])
    assert answer.status_code == 200, answer.text
    assert answer.json()["type"] == "Note" and answer.json()["content"] == note["content"]
    for node, user in ((fr, "alain"), (de, "bob")):
        stored = received(node, note["id"])
        assert stored is not None and not stored["deleted"], f"{node.base} lost alice's post"
        assert stored["attributed_to"] == fr.actor("alice")
        # On fr, her own node, the post's one copy is the outbox's (fr's inbox keeps its routing facts).
        copy = fr.db.local_objects.find_one({"_id": note["id"]}) if node is fr else stored
        assert copy["raw"]["content"] == note["content"]
        shown = inbox_object(node, user, note["id"])
        assert shown is not None and shown["type"] == "Note", f"{user} no longer sees alice's post: {shown!r}"
        assert shown["content"] == note["content"] and shown["attributedTo"] == fr.actor("alice")


def send_to_both(group, sender, activity: dict) -> None:
    """``sender`` POSTs the signed activity to fr's and de's shared inboxes (202), then
    each node has processed it."""
    for name in ("fr", "de"):
        node = group[name]
        sent = sender.send(f"{node.base}/inbox", activity)
        assert sent.status_code == 202, sent.text
        wait_until(lambda node=node: processed_on(node, activity["id"]),
                   message=f"{name} to process {activity['type']} {activity['id']}")


# -- an outsider the post mentions ------------------------------------------------------------

def test_a_mentioned_outsider_cannot_delete_the_authors_post(group, mallory, alice_followed):
    fr, de = group["fr"], group["de"]
    note = alice_posts(fr, de, f"Ask mallory {uuid.uuid4().hex}", cc=[mallory.actor])
    # mallory got it: she is an addressee, exactly what let her in
    wait_until(lambda: mallory.find(lambda a: isinstance(a.get("object"), dict)
                                    and a["object"].get("id") == note["id"]),
               message="alice's post at mallory's inbox")

    delete = {"id": mallory.new_id("activities"), "type": "Delete", "actor": mallory.actor,
              "to": [PUBLIC], "object": note["id"]}
    send_to_both(group, mallory, delete)
    still_there(group, note)
    # and with the object embedded as a Tombstone, the way Mastodon sends it
    delete = {**delete, "id": mallory.new_id("activities"), "object": {"id": note["id"], "type": "Tombstone"}}
    send_to_both(group, mallory, delete)
    still_there(group, note)


@pytest.mark.parametrize("claimed_author", ["alice", "mallory"])
def test_a_mentioned_outsider_cannot_edit_the_authors_post(group, mallory, alice_followed, claimed_author):
    fr, de = group["fr"], group["de"]
    note = alice_posts(fr, de, f"Original words {uuid.uuid4().hex}", cc=[mallory.actor])
    author = fr.actor("alice") if claimed_author == "alice" else mallory.actor
    update = {"id": mallory.new_id("activities"), "type": "Update", "actor": mallory.actor,
              "to": [PUBLIC], "cc": [mallory.actor],
              "object": {**note, "attributedTo": author, "content": "defaced by mallory"}}
    send_to_both(group, mallory, update)
    still_there(group, note)


def test_a_group_the_post_was_addressed_to_removes_it_everywhere(group, outside_community, alice_followed):
    """The genuine path (FEP-1b12): a community's Group — here one outside the group, its
    type Group in its own actor document — removes a post addressed to it."""
    fr, de = group["fr"], group["de"]
    note = alice_posts(fr, de, f"For the forum {uuid.uuid4().hex}", cc=[outside_community.id])
    delete = {"id": outside_community.new_id("activities"), "type": "Delete", "actor": outside_community.id,
              "to": [outside_community.followers], "object": {"id": note["id"], "type": "Tombstone"}}
    send_to_both(group, outside_community, delete)
    assert served(fr, note["id"]).status_code == 410
    for node in (fr, de):
        assert received(node, note["id"])["deleted"]


def test_a_group_cannot_remove_a_post_not_addressed_to_it(group, outside_community, alice_followed):
    fr, de = group["fr"], group["de"]
    note = alice_posts(fr, de, f"Not for the forum {uuid.uuid4().hex}", cc=[])
    delete = {"id": outside_community.new_id("activities"), "type": "Delete", "actor": outside_community.id,
              "to": [PUBLIC], "object": note["id"]}
    send_to_both(group, outside_community, delete)
    still_there(group, note)


# -- a Person on a member node pretending to be a community -----------------------------------

class MemberNodePerson:
    """bob@de sending what he likes, signed with his own key (as a tampered client or a
    compromised account would): he is inside the group, but he is not a Group."""

    def __init__(self, de):
        key = de.db.actor_keys.find_one({"_id": de.actor("bob")})
        self.actor, self.key_id, self.private_pem = de.actor("bob"), key["key_id"], key["private_pem"]
        self.de = de

    def new_id(self, kind: str) -> str:
        return f"{self.de.base}/{kind}/{uuid.uuid4().hex}"

    def send(self, inbox: str, activity: dict):
        body = json.dumps({"@context": AS2, **activity}).encode()
        return signed_post(inbox, body, Config(dev_mode=True), key_id=self.key_id, private_pem=self.private_pem)

    def relay(self, fr, inner: dict) -> dict:
        announce = {"id": self.new_id("activities"), "type": "Announce", "actor": self.actor,
                    "to": [PUBLIC], "cc": [f"{self.actor}/followers"], "object": inner}
        sent = self.send(f"{fr.base}/inbox", announce)
        assert sent.status_code == 202, sent.text
        wait_until(lambda: processed_on(fr, announce["id"]), message="fr to process bob's relay")
        return announce


def test_a_person_cannot_relay_a_post_in_someone_elses_name(group, alice_followed):
    fr, de = group["fr"], group["de"]
    bob = MemberNodePerson(de)
    berta = de.actor("berta")
    marker = f"never written by berta {uuid.uuid4().hex}"
    made_up = {"id": f"{de.base}/objects/{uuid.uuid4().hex}", "type": "Note", "attributedTo": berta,
               "to": [PUBLIC, bob.actor], "content": marker, "published": "2024-01-01T00:00:00Z"}
    bob.relay(fr, {"id": f"{de.base}/activities/{uuid.uuid4().hex}", "type": "Create", "actor": berta,
                   "to": [PUBLIC, bob.actor], "object": made_up})
    assert received(fr, made_up["id"]) is None
    for user in ("alice", "alain", "amelie"):
        assert marker not in json.dumps(fr.inbox(user)), f"the made-up post reached {user}'s inbox"


def test_a_person_cannot_relay_an_edit_of_someone_elses_post(group, alice_followed):
    fr, de = group["fr"], group["de"]
    bob = MemberNodePerson(de)
    note = alice_posts(fr, de, f"As alice wrote it {uuid.uuid4().hex}", cc=[bob.actor])
    assert received(fr, note["id"]) is not None
    for kind in ("Create", "Update"):
        defaced = {**note, "content": f"defaced through a {kind} relay"}
        bob.relay(fr, {"id": f"{fr.base}/activities/{uuid.uuid4().hex}", "type": kind,
                       "actor": fr.actor("alice"), "to": [PUBLIC, bob.actor], "object": defaced})
        still_there(group, note)


def test_a_person_cannot_relay_a_delete_of_someone_elses_post(group, alice_followed):
    fr, de = group["fr"], group["de"]
    bob = MemberNodePerson(de)
    note = alice_posts(fr, de, f"Mentioning bob {uuid.uuid4().hex}", cc=[bob.actor])
    bob.relay(fr, {"id": f"{fr.base}/activities/{uuid.uuid4().hex}", "type": "Delete",
                   "actor": fr.actor("alice"), "to": [PUBLIC, bob.actor], "object": note["id"]})
    still_there(group, note)
    # nor by sending the Delete in his own name
    delete = {"id": bob.new_id("activities"), "type": "Delete", "actor": bob.actor, "to": [PUBLIC],
              "object": note["id"]}
    sent = bob.send(f"{fr.base}/inbox", delete)
    assert sent.status_code == 202, sent.text
    wait_until(lambda: processed_on(fr, delete["id"]), message="fr to process bob's Delete")
    still_there(group, note)


# -- the author's own changes still apply ------------------------------------------------------

def test_the_author_edits_and_deletes_her_post(group, mallory, alice_followed):
    fr, de = group["fr"], group["de"]
    note = alice_posts(fr, de, f"First draft {uuid.uuid4().hex}", cc=[mallory.actor])
    edited = f"Second draft {uuid.uuid4().hex}"
    fr.publish("alice", {"type": "Update", "object": {"id": note["id"], "content": edited}})
    for node, user in ((fr, "alain"), (de, "bob")):
        wait_until(lambda node=node, user=user: (inbox_object(node, user, note["id"]) or {}).get("content")
                   == edited, message=f"the edit to reach {user}")
    fr.publish("alice", {"type": "Delete", "object": note["id"]})
    assert served(fr, note["id"]).status_code == 410
    for node, user in ((fr, "alain"), (de, "bob")):
        wait_until(lambda node=node, user=user: (inbox_object(node, user, note["id"]) or {}).get("type")
                   == "Tombstone", message=f"the deletion to reach {user}")
