"""The publisher (services/outbox/publishing.py) and the fan-out (fanout.py) in-process
(tests/inprocess.py): what a local user's post becomes — the stored activity and object,
the local inboxes it reaches, the deliveries queued per remote inbox, what is sent —
judged by stored documents and deliveries, never by private functions."""

from __future__ import annotations

import json

import pytest

from fedkit.protocol import httpsig
from fedkit.protocol.vocab import PUBLIC
from fedkit.rules.policy import node_audience
from services.outbox.models import LocalObject
from tests.inprocess import BASE, MEMBER, OUTSIDE

GROUP_AUDIENCE = "urn:archipel:group:unit"


@pytest.fixture
def world(node):
    """alice (local) followed by amelie (local), bob and berta (member node de) and paula
    (outside the group); arno is local and follows nobody."""
    for name in ("alice", "amelie", "arno"):
        node.local_user(name)
    alice = node.actor("alice")
    bob = node.remote_actor(f"{MEMBER}/users/bob")
    berta = node.remote_actor(f"{MEMBER}/users/berta")
    paula = node.remote_actor(f"{OUTSIDE}/users/paula")
    node.remote_actor(f"{MEMBER}/actor", actor_type="Application")  # de's instance actor
    for follower in (node.actor("amelie"), bob.id, berta.id, paula.id):
        node.follows(follower, alice)
    return node


# -- the publisher ---------------------------------------------------------------------
def test_a_bare_note_is_wrapped_stored_and_addressed_to_followers(world):
    activity = world.publish("alice", {"type": "Note", "content": "hello <b>team</b> <script>x()</script>"})
    alice = world.actor("alice")
    note = activity["object"]
    assert activity["type"] == "Create" and activity["actor"] == alice and activity["id"].startswith(BASE + "/")
    assert note["attributedTo"] == alice and note["id"].startswith(f"{BASE}/objects/")
    assert activity["to"] == note["to"] == [f"{alice}/followers"]  # no addressing: followers only
    assert "<script" not in note["content"] and "<b>team</b>" in note["content"]
    stored = LocalObject.objects(object_id=note["id"]).get()
    assert (stored.author, stored.addressees, stored.raw) == (alice, [f"{alice}/followers"], note)


def test_a_public_post_also_goes_to_the_followers(world):
    activity = world.publish("alice", {"type": "Note", "content": "hi", "to": [PUBLIC]})
    assert activity["to"] == [PUBLIC] and activity["cc"] == [world.actor("alice") + "/followers"]


def test_group_and_node_shorthands_name_their_audiences(world):
    group = world.publish("alice", {"type": "Note", "content": "g", "to": ["group"]})
    local = world.publish("alice", {"type": "Note", "content": "n", "to": ["node"]})
    assert group["to"] == group["object"]["to"] == [GROUP_AUDIENCE]
    assert local["to"] == local["object"]["to"] == [node_audience(BASE)]


@pytest.mark.parametrize("activity, status, code", [
    ({"type": "Note", "content": "x", "to": ["node", f"{MEMBER}/users/bob"]}, 422, "audience_conflict"),
    ({"type": "Note", "content": "x", "to": ["group", f"{OUTSIDE}/users/paula"]}, 422, "audience_conflict"),
    ({"type": "Move", "object": "x"}, 422, "unsupported_type"),
    ({"content": "no type"}, 400, "type_missing"),
    ({"type": "Delete", "object": f"{BASE}/objects/not-mine"}, 422, "invalid_object"),
])
def test_what_cannot_be_published_is_refused_and_nothing_is_stored(world, activity, status, code):
    resp = world.send("alice", activity)
    assert (resp.status_code, resp.json()["error"]) == (status, code)
    assert world.sent_by(world.actor("alice")) == [] and LocalObject.objects.count() == 0


def test_a_closed_account_publishes_nothing(world):
    from services.identity.models import Account

    Account.objects(username="alice").update_one(set__suspended=True)
    assert world.send("alice", {"type": "Note", "content": "x"}).status_code == 403
    assert world.sent_by(world.actor("alice")) == []


def test_update_and_delete_go_where_the_post_went(world):
    create = world.publish("alice", {"type": "Note", "content": "v1", "to": [PUBLIC]})
    note_id = create["object"]["id"]
    update = world.publish("alice", {"type": "Update", "object": {"id": note_id, "content": "v2"},
                                     "to": [f"{OUTSIDE}/users/paula"]})  # client addressing is dropped
    assert (update["to"], update["cc"]) == (create["to"], create["cc"])
    assert update["object"]["content"] == "v2"
    assert LocalObject.objects(object_id=note_id).get().raw["updated"] == update["published"]
    delete = world.publish("alice", {"type": "Delete", "object": note_id})
    assert (delete["to"], delete["cc"], delete["object"]["type"]) == (create["to"], create["cc"], "Tombstone")
    assert LocalObject.objects(object_id=note_id).get().deleted
    # Another user's post is not theirs to edit.
    assert world.send("amelie", {"type": "Update", "object": {"id": note_id, "content": "x"}}).status_code == 422


def test_only_public_posts_can_be_boosted(world):
    private = world.publish("alice", {"type": "Note", "content": "followers only"})
    public = world.publish("alice", {"type": "Note", "content": "public", "to": [PUBLIC]})
    assert world.send("amelie", {"type": "Announce", "object": private["object"]["id"]}).json()["error"] == \
        "not_public"
    boost = world.publish("amelie", {"type": "Announce", "object": public["object"]["id"]})
    assert boost["to"] == [PUBLIC] and world.actor("alice") in boost["cc"]


# -- the fan-out -----------------------------------------------------------------------
def test_a_followers_only_post_reaches_local_followers_and_one_inbox_per_member_server(world):
    activity = world.publish("alice", {"type": "Note", "content": "followers only"})
    world.run()
    assert (world.inbox_of("amelie"), world.inbox_of("arno"), world.inbox_of("alice")) == ([activity["id"]], [], [])
    # bob and berta share de's inbox: one delivery; paula is outside the group and a
    # followers-only post does not leave it (the strict perimeter).
    assert world.deliveries(activity["id"]) == {f"{MEMBER}/inbox": "queued"}


def test_the_author_never_gets_their_own_post_in_their_inbox(world):
    activity = world.publish("alice", {"type": "Note", "content": "me", "to": [PUBLIC, world.actor("alice")]})
    world.run()
    assert world.inbox_of("alice") == [] and world.inbox_of("amelie") == [activity["id"]]


def test_a_public_post_also_reaches_followers_outside_the_group(world):
    activity = world.publish("alice", {"type": "Note", "content": "public", "to": [PUBLIC]})
    world.run()
    assert world.deliveries(activity["id"]) == {f"{MEMBER}/inbox": "queued", f"{OUTSIDE}/inbox": "queued"}
    assert world.inbox_of("amelie") == [activity["id"]]


def test_a_node_post_never_leaves_the_node(world):
    activity = world.publish("alice", {"type": "Note", "content": "node only", "to": ["node"]})
    world.run()
    assert world.deliveries(activity["id"]) == {}
    assert world.inbox_of("amelie") == [activity["id"]]


def test_a_group_post_reaches_every_member_node_and_nothing_outside(world):
    activity = world.publish("alice", {"type": "Note", "content": "group", "to": ["group"]})
    world.run()
    assert world.deliveries(activity["id"]) == {f"{MEMBER}/inbox": "queued"}
    assert world.inbox_of("amelie") == [activity["id"]]


def test_a_suspended_follower_gets_nothing(world):
    from fedkit.protocol.actors import mark_suspended

    mark_suspended(f"{OUTSIDE}/users/paula")
    activity = world.publish("alice", {"type": "Note", "content": "public", "to": [PUBLIC]})
    world.run()
    assert world.deliveries(activity["id"]) == {f"{MEMBER}/inbox": "queued"}


def test_a_delivery_is_signed_by_the_author_and_leaves_bcc_behind(world, peer, local_keypair):
    """Sent for real (HTTP to the plugin's peer server): a bcc'd remote actor gets it in
    its personal inbox (not its shared one), signed as alice, with no bto/bcc in what it
    receives (AP §6.1)."""
    carol = world.remote_actor(f"{MEMBER}/users/carol", inbox=peer.inbox)  # its server: the peer
    activity = world.publish("alice", {"type": "Note", "content": "psst", "to": [world.actor("amelie")],
                                       "bcc": [carol.id]})
    world.run()
    assert world.deliveries(activity["id"]) == {peer.inbox: "queued"}
    assert world.inbox_of("amelie") == [activity["id"]]
    assert world.send_deliveries() == {peer.inbox: "delivered"}
    [received] = peer.received
    body = json.loads(received["body"])
    assert body["id"] == activity["id"] and "bcc" not in body and "bcc" not in body["object"]
    verified = httpsig.verify_request("POST", peer.inbox.replace("/inbox", "") + received["path"],
                                      list(received["headers"].items()), received["body"],
                                      resolve_key=lambda key_id, refresh: local_keypair[1])
    assert verified.key_id == world.actor("alice") + "#main-key"
