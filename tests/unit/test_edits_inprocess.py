"""Edits in-process (tests/inprocess.py): a local author's Update keeps the version it
replaces and sets ``updated`` only when what the post says changes; a received Update from
the author keeps the previous version, an older one (deliveries out of order) is ignored,
and those here who boosted the post are told of an edit, not of a poll's new totals."""

from __future__ import annotations

import pytest

from fedkit.protocol import polls
from fedkit.protocol.vocab import PUBLIC
from services.inbox.models import Interaction, Notification
from services.inbox.versions import earlier_versions as received_versions
from services.outbox.models import LocalObject
from services.outbox.versions import earlier_versions as local_versions
from tests.inprocess import MEMBER

BOB = f"{MEMBER}/users/bob"


@pytest.fixture
def fr(node):
    node.local_user("alice")
    node.bob = node.remote_actor(BOB)
    node.follows(node.actor("alice"), BOB)
    return node


def test_a_local_edit_keeps_the_version_it_replaces(fr):
    posted = fr.publish("alice", {"type": "Note", "content": "first", "to": [PUBLIC]})
    fr.run()
    object_id = posted["object"]["id"]
    update = fr.publish("alice", {"type": "Update", "object": {"id": object_id, "content": "second"}})
    fr.run()
    stored = LocalObject.objects(object_id=object_id).get().raw
    assert stored["content"] == "second" and stored["updated"] == update["published"]
    assert [v["content"] for v in local_versions(object_id)] == ["<p>first</p>"]
    assert update["object"]["content"] == "second" and update["to"] == posted["object"]["to"]
    # an Update that changes nothing the post says is no edit
    again = fr.publish("alice", {"type": "Update", "object": {"id": object_id, "content": "second"}})
    fr.run()
    assert "updated" not in again["object"] or again["object"]["updated"] == update["published"]
    assert len(local_versions(object_id)) == 1


def test_a_local_edit_tells_those_here_who_boosted_it(fr):
    """The inbox keeps only a local post's routing facts (stored once): an edit is still
    told apart from an Update that changes nothing it says."""
    fr.local_user("amelie")
    posted = fr.publish("alice", {"type": "Note", "content": "first", "to": [PUBLIC]})
    fr.run()
    object_id = posted["object"]["id"]
    Interaction(kind="Announce", actor=fr.actor("amelie"), object_id=object_id).save()  # amelie boosted it
    same = posted["object"]["content"]
    fr.publish("alice", {"type": "Update", "object": {"id": object_id, "content": same}})  # no change
    fr.run()
    assert Notification.objects(type="update").count() == 0
    fr.publish("alice", {"type": "Update", "object": {"id": object_id, "content": "second"}})
    fr.run()
    assert [n.username for n in Notification.objects(type="update")] == ["amelie"]


def deliver(node, activity: dict) -> str:
    assert node.deliver(activity, by=node.bob).status_code == 202
    node.run()
    return node.outcome(activity["id"])


def test_a_received_edit_keeps_the_previous_version_and_an_older_update_is_ignored(fr):
    obj = {"id": f"{MEMBER}/objects/1", "type": "Note", "attributedTo": BOB, "content": "v1", "to": [PUBLIC],
           "published": "2026-11-29T10:00:00Z"}
    deliver(fr, {"id": f"{MEMBER}/activities/1", "type": "Create", "actor": BOB, "object": obj, "to": [PUBLIC]})
    Interaction(kind="Announce", actor=fr.actor("alice"), object_id=obj["id"]).save()  # alice boosted it
    v3 = {**obj, "content": "v3", "updated": "2026-11-29T12:00:00Z"}
    assert deliver(fr, {"id": f"{MEMBER}/u/3", "type": "Update", "actor": BOB, "object": v3}) == "processed"
    v2 = {**obj, "content": "v2", "updated": "2026-11-29T11:00:00Z"}  # sent before v3, arrives after
    assert deliver(fr, {"id": f"{MEMBER}/u/2", "type": "Update", "actor": BOB, "object": v2}) == "ignored"
    assert fr.received(obj["id"])["content"] == "v3"
    assert [v["content"] for v in received_versions(obj["id"])] == ["v1"]
    assert [(n.type, n.object_id) for n in Notification.objects(username="alice")] == [("update", obj["id"])]


def test_a_polls_new_totals_are_no_edit(fr):
    question = {"id": f"{MEMBER}/objects/q", "type": "Question", "attributedTo": BOB, "content": "Tea?",
                "to": [PUBLIC], **polls.question(["yes", "no"], multiple_choice=False, end="2999-01-01T00:00:00Z")}
    deliver(fr, {"id": f"{MEMBER}/activities/q", "type": "Create", "actor": BOB, "object": question, "to": [PUBLIC]})
    Interaction(kind="Announce", actor=fr.actor("alice"), object_id=question["id"]).save()
    counted = polls.with_counts(question, {"yes": 2}, 2)
    assert deliver(fr, {"id": f"{MEMBER}/u/q", "type": "Update", "actor": BOB, "object": counted}) == "processed"
    assert polls.voters_count(fr.received(question["id"])) == 2
    assert received_versions(question["id"]) == []
    assert Notification.objects(username="alice").count() == 0


@pytest.mark.parametrize("addressing", [
    {"to": [PUBLIC]},
    {"to": ["group"]},
    {"to": ["node"]},
    {"to": ["https://de.test/users/bob/followers-of-nobody"], "bcc": [BOB]},
])
def test_an_edit_goes_exactly_where_the_post_went(fr, addressing):
    """The Update's audience plan is the post's (fedkit/rules/audience.py): the same
    addressees, hidden ones, ceiling and followers; the client's own addressing is dropped."""
    from services.outbox.models import OutboxActivity

    posted = fr.publish("alice", {"type": "Note", "content": "first", **addressing})
    fr.run()
    update = fr.publish("alice", {"type": "Update", "to": [PUBLIC], "object": {
        "id": posted["object"]["id"], "content": "second"}})
    plans = {a.activity_type: a.plan for a in OutboxActivity.objects(object_id=posted["object"]["id"])}
    assert plans["Update"] == plans["Create"]
    assert update.get("bcc") == posted.get("bcc")
