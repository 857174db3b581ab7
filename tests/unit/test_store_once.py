"""A local post is stored once on its node (issue 8): the outbox's ``local_objects`` holds
its content; the outbox activity names it by id, the inbox keeps only what routes and
orders it, and every reader still sees the post (tests/inprocess.py)."""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest

from fedkit.runtime.internal import InternalClient
from tests.inprocess import MEMBER


@pytest.fixture
def world(node):
    """alice, followed by amelie (local) and bob (member node de)."""
    for name in ("alice", "amelie"):
        node.local_user(name)
    bob = node.remote_actor(f"{MEMBER}/users/bob")
    node.remote_actor(f"{MEMBER}/actor", actor_type="Application")
    for follower in (node.actor("amelie"), bob.id):
        node.follows(follower, node.actor("alice"))
    return node


def documents_holding(text: str) -> dict[str, int]:
    """{collection: documents whose stored JSON contains ``text``} across the node's database."""
    from services.outbox.models import LocalObject

    db = LocalObject._get_db()
    found = Counter()
    for name in db.list_collection_names():
        for doc in db[name].find():
            if text in json.dumps(doc, default=str):
                found[name] += 1
    return dict(found)


@pytest.fixture
def calls(monkeypatch):
    """Every internal call made while a test runs: a Counter of (service, path)."""
    made: Counter = Counter()
    real = InternalClient.request

    def counting(self, method, service, path, **kwargs):
        made[(service, path.split("?")[0])] += 1
        return real(self, method, service, path, **kwargs)

    monkeypatch.setattr(InternalClient, "request", counting)
    return made


def test_a_local_followers_only_post_is_stored_once(world):
    text = f"stored-once-{uuid.uuid4().hex}"
    activity = world.publish("alice", {"type": "Note", "content": text})
    world.run()
    assert world.inbox_of("amelie") == [activity["id"]]
    assert documents_holding(text) == {"local_objects": 1}


def test_the_post_is_still_shown_whole_on_every_path(world, peer):
    """The one copy is rendered into the outbox activity, the delivery's body, the inbox
    collection and the client API's reads (each read as its reader, through the contracts)."""
    from fedkit.contracts.inbox import InboxClient

    carol = world.remote_actor(f"{MEMBER}/users/carol", inbox=peer.inbox, shared_inbox="")
    world.follows(carol.id, world.actor("alice"))
    text = f"whole-{uuid.uuid4().hex}"
    activity = world.publish("alice", {"type": "Note", "content": text,
                                       "to": [world.actor("alice") + "/followers"]})
    html, note_id = f"<p>{text}</p>", activity["object"]["id"]
    assert activity["object"]["content"] == html  # the stored activity, rendered
    world.run()
    inbox = InboxClient(world.internal)
    [item] = inbox.home("amelie", scopes=["read:statuses"], limit=5)
    assert item["activity"]["object"]["content"] == html and "bto" not in item["activity"]["object"]
    assert inbox.received_object(note_id, user="amelie", scopes=["read:statuses"]) == (200, item["activity"]["object"])
    assert inbox.received_object(note_id, user=None) == (404, None)  # followers-only: the policy as before
    [post] = inbox.posts(user="amelie", scopes=["read:statuses"], author=world.actor("alice"), limit=5)
    assert post["object"]["content"] == html
    reply = world.publish("amelie", {"type": "Note", "content": "re", "inReplyTo": note_id,
                                     "to": [world.actor("alice")]})
    world.run()
    [answer] = inbox.replies(note_id, user="alice", scopes=["read:statuses"])
    assert answer["id"] == reply["object"]["id"] and answer["content"] == "<p>re</p>"
    assert world.send_deliveries()[peer.inbox] == "delivered"
    body = json.loads(peer.received[0]["body"])
    assert body["object"]["content"] == html and body["object"]["id"] == note_id


def test_an_edit_and_a_delete_change_the_one_copy_every_reader_sees(world):
    from fedkit.contracts.inbox import InboxClient

    v1, v2 = f"first-{uuid.uuid4().hex}", f"edited-{uuid.uuid4().hex}"
    activity = world.publish("alice", {"type": "Note", "content": v1})
    note_id = activity["object"]["id"]
    world.run()
    world.publish("alice", {"type": "Update", "object": {"id": note_id, "content": v2}})
    world.run()
    inbox = InboxClient(world.internal)
    [item] = inbox.home("amelie", scopes=["read:statuses"], limit=5)
    assert item["activity"]["object"]["content"] == v2 and item["activity"]["object"]["updated"]
    world.publish("alice", {"type": "Delete", "object": note_id})
    world.run()
    [item] = inbox.home("amelie", scopes=["read:statuses"], limit=5)
    assert item["activity"]["object"]["type"] == "Tombstone"
    assert inbox.received_object(note_id, user="amelie", scopes=["read:statuses"])[0] == 410
    assert documents_holding(v1) == documents_holding(v2) == {}  # the Tombstone replaced it


def test_the_walk_of_a_local_followers_only_post(world, calls, monkeypatch, capsys):
    """Internal calls from the outbox's publish to the last local inbox (fan-out included):
    identity is asked once, addressing is computed once."""
    import services.outbox.publishing as publishing

    planned = Counter()
    for name in ("plan_post", "address_create"):
        real = getattr(publishing, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            planned[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(publishing, name, counted)
    world.publish("alice", {"type": "Note", "content": "walk"})
    world.run()
    identity = sum(n for (service, _), n in calls.items() if service == "identity")
    with capsys.disabled():
        print(f"\nwalk of a local followers-only post: {sum(calls.values())} internal calls "
              f"{dict(calls)}; addressing computed {dict(planned)}")
    assert identity == 1 and planned == {"address_create": 1, "plan_post": 1}


def bearer(username: str) -> dict[str, str]:
    """A token of ``username`` as identity stores it (its digest), as an app holds it."""
    import secrets

    from services.identity.credentials import digest
    from services.identity.models import OAuthToken

    token = secrets.token_urlsafe(16)
    OAuthToken(access_token_hash=digest(token), client_id="tests", username=username,
               scope="read write").save(force_insert=True)
    return {"Authorization": f"Bearer {token}"}


def test_reading_a_home_timeline_page(world, calls, capsys):
    """``GET /api/v1/timelines/home`` through the gateway: 20 posts of two authors, one
    local (stored once, read from the outbox) and one remote; the internal calls it takes."""
    from tests.inprocess import MEMBER as DE

    bob = world.remote_actor(f"{DE}/users/bob")
    world.follows(world.actor("amelie"), bob.id)
    liked = None
    for i in range(10):
        liked = liked or world.publish("alice", {"type": "Note", "content": f"local {i}"})["object"]["id"]
        if i:
            world.publish("alice", {"type": "Note", "content": f"local {i}"})
        note = {"id": f"{bob.id}/notes/{i}", "type": "Note", "attributedTo": bob.id, "content": f"remote {i}",
                "to": [f"{bob.id}/followers"]}
        assert world.deliver({"id": f"{bob.id}/creates/{i}", "type": "Create", "actor": bob.id,
                              "to": note["to"], "object": note}, by=bob).status_code == 202
    world.publish("amelie", {"type": "Like", "object": liked})
    assert world.deliver({"id": f"{bob.id}/likes/1", "type": "Like", "actor": bob.id, "object": liked},
                         by=bob).status_code == 202
    world.run()
    headers = bearer("amelie")
    calls.clear()
    resp = world.gateway.get("/api/v1/timelines/home?limit=40", headers=headers, base_url=world.base)
    assert resp.status_code == 200, resp.text
    contents = sorted(s["content"] for s in resp.json)
    assert contents == sorted([f"<p>local {i}</p>" for i in range(10)] + [f"remote {i}" for i in range(10)])
    with capsys.disabled():
        print(f"\nhome timeline page of 20 statuses: {sum(calls.values())} internal calls {dict(calls)}")
    [shown] = [s for s in resp.json if s["content"] == "<p>local 0</p>"]
    assert (shown["favourites_count"], shown["favourited"]) == (2, True)
    assert calls[("outbox", "/internal/objects/held")] == 1  # the local posts: one call for the page
    assert calls[("inbox", "/internal/interactions/page")] == 1 and ("inbox", "/internal/interactions") not in calls
