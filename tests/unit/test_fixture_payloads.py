"""Every recorded payload (tests/fixtures/activitypub) through the node that would
receive it: signed with a real key, checked by the gateway, accepted by the inbox,
applied by its handler (tests/inprocess.py), and what was stored checked.

The node plays the fixtures' own host: gts.example (local bob) receives what
mastodon.example's alice sends him; mastodon.example (local alice) receives the
GoToSocial, Pleroma and Misskey posts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fedkit.protocol import actors
from fedkit.protocol.vocab import PUBLIC
from services.inbox.models import FollowRelation, InboundActivity, Interaction
from services.outbox.models import LocalObject

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "activitypub"
MASTODON, GTS = "https://mastodon.example", "https://gts.example"
ALICE, BOB = f"{MASTODON}/users/alice", f"{GTS}/users/bob"
CAROL = "https://pleroma.example/users/carol"
MISSKEY_AUTHOR = "https://misskey.example/users/9vhq8c1y2z"
BOB_STATUS = f"{GTS}/users/bob/statuses/01JBPKYPG8V7X5N4M0T6R9PZDW"
ALICE_NOTE = f"{MASTODON}/users/alice/statuses/113413731581959211"


def load(name: str) -> dict:
    return json.loads((FIXTURE_DIR / f"{name}.json").read_bytes())


def deliver(node, name: str, by) -> dict:
    """Deliver the fixture's recorded bytes as ``by`` signs them; run the workers; the
    activity must be stored exactly as it came."""
    raw = load(name)
    resp = node.deliver(raw, by=by, body=(FIXTURE_DIR / f"{name}.json").read_bytes())
    assert resp.status_code == 202, resp.get_data(as_text=True)
    node.run()
    assert InboundActivity.objects(activity_id=raw["id"]).get().raw == raw
    return raw


def assert_stored_whole(stored: dict, obj: dict) -> None:
    """The stored object has every field of the received one, equal except for the HTML
    fields, which are sanitised (fedkit/protocol/sanitize.py) but still there."""
    assert set(stored) == set(obj)
    html = {"content", "summary", "contentMap"}
    assert {k: v for k, v in stored.items() if k not in html} == {k: v for k, v in obj.items() if k not in html}
    assert stored["content"] and "<script" not in stored["content"]


@pytest.fixture
def gts(node_at):
    """gts.example with its user bob; mastodon.example's alice is known to it."""
    node = node_at(GTS)
    node.local_user("bob")
    return node, node.remote_actor(ALICE)


@pytest.fixture
def mastodon(node_at):
    """mastodon.example with its user alice."""
    node = node_at(MASTODON)
    node.local_user("alice")
    return node


def local_status(node) -> None:
    """bob's status that alice likes and boosts, as the outbox holds it."""
    LocalObject(object_id=BOB_STATUS, author=BOB, raw={"id": BOB_STATUS, "type": "Note", "attributedTo": BOB,
                                                       "content": "<p>hello</p>", "to": [PUBLIC]},
                addressees=[PUBLIC]).save()


def test_mastodon_follow_is_accepted_and_answered(gts):
    node, alice = gts
    follow = deliver(node, "mastodon_follow", alice)
    assert node.outcome(follow["id"]) == "processed"
    relation = FollowRelation.objects(follower=ALICE, followee=BOB).get()
    assert (relation.state, relation.follow_activity_id) == ("accepted", follow["id"])
    assert node.inbox_of("bob") == [follow["id"]]
    accept = node.sent_by(BOB)[-1]
    assert (accept["type"], accept["object"]["id"], accept["to"]) == ("Accept", follow["id"], [ALICE])
    assert node.deliveries(accept["id"]) == {f"{MASTODON}/inbox": "queued"}  # alice's shared inbox


def test_mastodon_undo_follow_removes_the_relation(gts):
    node, alice = gts
    deliver(node, "mastodon_follow", alice)
    undo = deliver(node, "mastodon_undo_follow", alice)
    assert node.outcome(undo["id"]) == "processed"
    assert FollowRelation.objects(follower=ALICE).count() == 0


def test_mastodon_like_is_recorded_and_its_author_notified(gts):
    node, alice = gts
    local_status(node)
    like = deliver(node, "mastodon_like", alice)
    assert Interaction.objects(kind="Like", actor=ALICE, object_id=BOB_STATUS).get().activity_id == like["id"]
    assert node.inbox_of("bob") == [like["id"]]


def test_mastodon_undo_like_removes_the_like(gts):
    node, alice = gts
    local_status(node)
    deliver(node, "mastodon_like", alice)
    undo = deliver(node, "mastodon_undo_like", alice)
    assert node.outcome(undo["id"]) == "processed"
    assert Interaction.objects(actor=ALICE).count() == 0


def test_mastodon_announce_is_recorded_and_its_author_notified(gts):
    node, alice = gts
    local_status(node)
    announce = deliver(node, "mastodon_announce", alice)
    assert Interaction.objects(kind="Announce", actor=ALICE, object_id=BOB_STATUS).count() == 1
    assert node.inbox_of("bob") == [announce["id"]]


def test_mastodon_create_note_reaches_the_mentioned_and_the_followers(gts):
    node, alice = gts
    node.local_user("amelie")  # follows alice: a public post reaches her
    node.local_user("arno")  # neither follows nor is addressed
    node.follows(node.actor("amelie"), ALICE)
    create = deliver(node, "mastodon_create_note", alice)
    assert node.outcome(create["id"]) == "processed"
    assert_stored_whole(node.received(ALICE_NOTE), create["object"])
    assert (node.inbox_of("bob"), node.inbox_of("amelie"), node.inbox_of("arno")) == \
        ([create["id"]], [create["id"]], [])


def test_mastodon_delete_note_leaves_a_tombstone(gts):
    node, alice = gts
    deliver(node, "mastodon_create_note", alice)
    delete = deliver(node, "mastodon_delete_note", alice)
    assert node.outcome(delete["id"]) == "processed"
    stored = node.received(ALICE_NOTE)
    assert (stored["type"], stored["formerType"], stored["id"]) == ("Tombstone", "Note", ALICE_NOTE)
    assert "content" not in stored


def test_mastodon_delete_actor_drops_its_relations_and_its_key(gts):
    node, alice = gts
    deliver(node, "mastodon_follow", alice)
    delete = deliver(node, "mastodon_delete_actor", alice)
    assert node.outcome(delete["id"]) == "processed"
    assert FollowRelation.objects(follower=ALICE).count() == 0
    assert actors.is_suspended(ALICE)
    # Its key resolves no more: what it signs now is refused at the gateway.
    assert node.deliver(load("mastodon_follow") | {"id": f"{MASTODON}/again"}, by=alice).status_code == 401


def test_mastodon_update_person_refetches_the_actor(gts, monkeypatch):
    """The embedded Person is not trusted: the actor is fetched again from its origin,
    which serves mastodon_actor.json; the cache then holds that document's key and inboxes."""
    node, alice = gts
    person = load("mastodon_actor")
    fetched = []
    monkeypatch.setattr(actors, "fetch_json", lambda url, config, **kw: fetched.append(url) or person)
    update = deliver(node, "mastodon_update_person", alice)
    assert node.outcome(update["id"]) == "processed"
    assert fetched == [ALICE]
    cached = actors.CachedActor.objects(actor_id=ALICE).get()
    assert (cached.key_id, cached.public_pem, cached.inbox, cached.shared_inbox, cached.followers,
            cached.preferred_username, cached.actor_type, cached.suspended) == (
        person["publicKey"]["id"], person["publicKey"]["publicKeyPem"], person["inbox"],
        person["endpoints"]["sharedInbox"], person["followers"], "alice", "Person", False)
    assert cached.raw == person


def test_mastodon_accept_of_a_follow_it_recreated_is_applied(gts):
    """bob's Follow (published here, with this node's id) is answered by an Accept whose
    embedded Follow carries another id, as Mastodon may: matched by follower and followee."""
    node, alice = gts
    node.publish("bob", {"type": "Follow", "object": ALICE})
    node.run()
    assert FollowRelation.objects(follower=BOB, followee=ALICE).get().state == "pending"
    accept = deliver(node, "mastodon_accept_follow", alice)
    assert node.outcome(accept["id"]) == "processed"
    assert FollowRelation.objects(follower=BOB, followee=ALICE).get().state == "accepted"
    assert accept["id"] in node.inbox_of("bob")


@pytest.mark.parametrize("name, author", [("gotosocial_create_note", BOB), ("pleroma_create_note", CAROL)])
def test_posts_from_other_servers_reach_the_addressed_user(mastodon, name, author):
    node = mastodon
    create = deliver(node, name, node.remote_actor(author))
    assert node.outcome(create["id"]) == "processed"
    assert_stored_whole(node.received(create["object"]["id"]), create["object"])
    assert node.inbox_of("alice") == [create["id"]]


def test_misskey_note_keeps_its_extension_fields(mastodon):
    """A Misskey Note (``_misskey_content``, ``_misskey_quote``, ``quoteUrl``…) reaches a
    follower of its author with every field kept."""
    node = mastodon
    note = load("misskey_note")
    node.follows(node.actor("alice"), MISSKEY_AUTHOR)
    author = node.remote_actor(MISSKEY_AUTHOR, followers=f"{MISSKEY_AUTHOR}/followers")
    create = {"@context": note["@context"], "id": note["id"] + "/activity", "type": "Create",
              "actor": MISSKEY_AUTHOR, "to": note["to"], "cc": note["cc"],
              "object": {k: v for k, v in note.items() if k != "@context"}}
    assert node.deliver(create, by=author).status_code == 202
    node.run()
    assert node.outcome(create["id"]) == "processed"
    assert_stored_whole(node.received(note["id"]), create["object"])
    assert node.inbox_of("alice") == [create["id"]]


def test_a_mastodon_poll_and_its_new_totals(node_at):
    """A Create and an Update of a Question shaped as Mastodon 4.3 sends them
    (tests/fixtures/activitypub/mastodon_*_question.json): the poll is stored whole and
    shows as a Poll; its new totals (an Update without ``updated``) replace the counts and
    are no edit."""
    from services.api.polling import poll_entity
    from services.inbox.versions import earlier_versions

    gts = node_at(GTS)
    gts.local_user("bob")
    alice = gts.remote_actor(ALICE)
    gts.follows(gts.actor("bob"), ALICE)
    for name in ("mastodon_create_question", "mastodon_update_question"):
        raw = deliver(gts, name, alice)
        assert gts.outcome(raw["id"]) == "processed"
        question = raw["object"]
        stored = gts.received(question["id"])
        assert set(stored) == set(question) and stored["oneOf"] == question["oneOf"]
        if name == "mastodon_create_question":
            assert len(gts.inbox_of("bob")) == 1  # the poll reached its follower
    poll = poll_entity(stored, "7", own=[])
    assert [(o["title"], o["votes_count"]) for o in poll["options"]] == [("Tuesday", 2), ("Wednesday", 0),
                                                                       ("Thursday", 1)]
    assert (poll["votes_count"], poll["expired"], poll["multiple"]) == (3, True, False)
    assert poll["expires_at"] == "2024-11-04T19:02:46.000Z"
    assert earlier_versions(question["id"]) == []


COVERED = {
    "mastodon_follow", "mastodon_undo_follow", "mastodon_like", "mastodon_undo_like", "mastodon_announce",
    "mastodon_create_note", "mastodon_delete_note", "mastodon_delete_actor", "mastodon_update_person",
    "mastodon_actor", "mastodon_accept_follow", "gotosocial_create_note", "pleroma_create_note", "misskey_note",
    "mastodon_create_question", "mastodon_update_question",
}


def test_every_fixture_reaches_a_handler_here():
    """A new fixture file needs its test above (what its handler stores)."""
    assert {p.stem for p in FIXTURE_DIR.glob("*.json")} == COVERED
