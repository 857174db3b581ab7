"""Polls in-process (tests/inprocess.py): a local poll is a Question; votes from another
node are counted by the poll's node (once per voter and option, one option only on a
one-choice poll, never after the end) which sends the new totals as an Update of the
Question; a vote is never stored as a post; a local user's vote on another node's poll is
remembered for the client API and sent to the poll's author only
(docs.joinmastodon.org/spec/activitypub/#Question)."""

from __future__ import annotations

import pytest

from fedkit.protocol import polls
from fedkit.protocol.vocab import PUBLIC
from services.inbox.models import InboxItem, ReceivedObject
from services.inbox.votes import CastVote
from services.outbox.models import LocalObject
from tests.inprocess import MEMBER

BOB, BERTA = f"{MEMBER}/users/bob", f"{MEMBER}/users/berta"


@pytest.fixture
def fr(node):
    """alice (local, followed by bob); bob and berta on the member node de."""
    node.local_user("alice")
    node.bob = node.remote_actor(BOB)
    node.berta = node.remote_actor(BERTA)
    node.follows(BOB, node.actor("alice"))
    return node


def local_poll(node, *, multiple: bool = False, end: str = "2999-01-01T00:00:00Z", to=(PUBLIC,)) -> str:
    question = {"type": "Question", "content": "Lunch?", "to": list(to),
                **polls.question(["pizza", "sushi", "salad"], multiple_choice=multiple, end=end)}
    posted = node.publish("alice", question)
    node.run()
    return posted["object"]["id"]


_votes = iter(range(1, 10_000))


def vote(node, voter, question: str, choice: str) -> str:
    """bob's (or berta's) node sends a vote as Mastodon does; returns what the inbox made of it."""
    n = next(_votes)
    note = {"id": f"{voter.id}/votes/{n}", "type": "Note", "attributedTo": voter.id, "name": choice,
            "inReplyTo": question, "to": [node.actor("alice")]}
    activity = {"id": f"{voter.id}/votes/{n}/activity", "type": "Create", "actor": voter.id, "object": note,
                "to": [node.actor("alice")]}
    resp = node.deliver(activity, by=voter)
    assert resp.status_code == 202, resp.get_data(as_text=True)
    node.run()
    return node.outcome(activity["id"])


def counts(question: str) -> tuple[dict, int | None]:
    raw = LocalObject.objects(object_id=question).get().raw
    return dict(polls.options(raw)), polls.voters_count(raw)


def updates_of(node, question: str) -> list[dict]:
    return [a for a in node.sent_by(node.actor("alice"))
            if a["type"] == "Update" and isinstance(a.get("object"), dict) and a["object"].get("id") == question]


def test_a_local_poll_is_a_question_and_a_remote_vote_is_counted_and_the_totals_sent(fr):
    question = local_poll(fr)
    assert vote(fr, fr.bob, question, "sushi") == "processed"
    assert counts(question) == ({"pizza": 0, "sushi": 1, "salad": 0}, 1)
    [update] = updates_of(fr, question)
    assert update["object"]["oneOf"][1] == {"type": "Note", "name": "sushi",
                                            "replies": {"type": "Collection", "totalItems": 1}}
    assert update["object"]["votersCount"] == 1
    assert "updated" not in update["object"]  # new totals are no edit
    assert PUBLIC in update["to"] and update["cc"] == update["object"]["cc"]  # the poll's audience
    # the Update reaches de, where bob follows alice
    assert any(inbox.startswith(MEMBER) for inbox in fr.deliveries(update["id"]))
    # a vote is never a post: not stored as one, in nobody's inbox, no reply of the poll
    assert ReceivedObject.objects(in_reply_to=question).count() == 0
    assert InboxItem.objects(username="alice").count() == 0


def test_one_choice_late_repeated_and_unknown_votes_are_not_counted(fr):
    question = local_poll(fr)
    assert vote(fr, fr.bob, question, "pizza") == "processed"
    assert vote(fr, fr.bob, question, "sushi") == "ignored"  # a second choice on a one-choice poll
    assert vote(fr, fr.bob, question, "pizza") == "ignored"  # the same vote again
    assert vote(fr, fr.berta, question, "fondue") == "ignored"  # not an option
    assert counts(question) == ({"pizza": 1, "sushi": 0, "salad": 0}, 1)
    poll = LocalObject.objects(object_id=question).get()
    poll.update(set__raw={**poll.raw, "endTime": "2001-01-01T00:00:00Z"})
    assert vote(fr, fr.berta, question, "salad") == "ignored"  # after its end
    assert counts(question)[0]["salad"] == 0
    assert len(updates_of(fr, question)) == 1


def test_a_multiple_choice_poll_counts_each_option_once_per_voter(fr):
    question = local_poll(fr, multiple=True)
    assert LocalObject.objects(object_id=question).get().raw.get("anyOf")
    for choice in ("pizza", "salad"):
        assert vote(fr, fr.bob, question, choice) == "processed"
    assert vote(fr, fr.bob, question, "salad") == "ignored"
    assert vote(fr, fr.berta, question, "salad") == "processed"
    assert counts(question) == ({"pizza": 1, "sushi": 0, "salad": 2}, 2)


def test_a_named_note_answering_a_post_is_a_post(fr):
    posted = fr.publish("alice", {"type": "Note", "content": "hello", "to": [PUBLIC]})
    fr.run()
    assert vote(fr, fr.bob, posted["object"]["id"], "a title") == "processed"
    assert ReceivedObject.objects(in_reply_to=posted["object"]["id"]).count() == 1  # a reply, as before


def test_a_local_users_vote_on_a_remote_poll_is_remembered_and_goes_to_its_author_only(fr):
    question = {"id": f"{MEMBER}/objects/q1", "type": "Question", "attributedTo": BOB, "content": "Tea?",
                "to": [PUBLIC], "cc": [f"{BOB}/followers"],
                **polls.question(["yes", "no"], multiple_choice=False, end="2999-01-01T00:00:00Z")}
    fr.follows(fr.actor("alice"), BOB)
    resp = fr.deliver({"id": f"{MEMBER}/activities/q1", "type": "Create", "actor": BOB, "object": question,
                       "to": [PUBLIC], "cc": [f"{BOB}/followers"]}, by=fr.bob)
    assert resp.status_code == 202
    fr.run()
    assert polls.is_poll(fr.received(question["id"]))
    sent = fr.publish("alice", {"type": "Create", "to": [BOB], "object": {
        "type": "Note", "name": "no", "inReplyTo": question["id"], "to": [BOB]}})
    fr.run()
    assert [(v.username, v.question, v.choice) for v in CastVote.objects()] == [("alice", question["id"], "no")]
    assert fr.received(sent["object"]["id"]) is None  # not stored as a post
    assert ReceivedObject.objects(in_reply_to=question["id"]).count() == 0
    assert sent["to"] == [BOB] and not sent.get("cc")
    assert list(fr.deliveries(sent["id"])) == [f"{MEMBER}/inbox"]
    # bob's node sends the new totals: the poll is updated, no edit, nothing to notify
    counted = polls.with_counts(question, {"no": 1}, 1)
    resp = fr.deliver({"id": f"{MEMBER}/activities/q1/u1", "type": "Update", "actor": BOB, "object": counted,
                       "to": [PUBLIC], "cc": [f"{BOB}/followers"]}, by=fr.bob)
    assert resp.status_code == 202
    fr.run()
    assert dict(polls.options(fr.received(question["id"]))) == {"yes": 0, "no": 1}


def test_a_colleagues_vote_on_a_local_poll_is_counted_and_remembered(fr):
    fr.local_user("amelie")
    question = local_poll(fr)
    sent = fr.publish("amelie", {"type": "Create", "to": [fr.actor("alice")], "object": {
        "type": "Note", "name": "salad", "inReplyTo": question, "to": [fr.actor("alice")]}})
    fr.run()
    assert counts(question) == ({"pizza": 0, "sushi": 0, "salad": 1}, 1)
    assert [(v.username, v.choice) for v in CastVote.objects(question=question)] == [("amelie", "salad")]
    assert fr.received(sent["object"]["id"]) is None and InboxItem.objects(username="alice").count() == 0
    # alice votes nothing in her own poll
    own = fr.send("alice", {"type": "Create", "to": [fr.actor("alice")], "object": {
        "type": "Note", "name": "pizza", "inReplyTo": question, "to": [fr.actor("alice")]}})
    assert own.status_code == 201
    fr.run()
    assert counts(question)[0]["pizza"] == 0


def test_who_may_not_see_a_poll_does_not_vote_in_it(fr):
    question = local_poll(fr, to=[f"{fr.actor('alice')}/followers"])  # followers only: bob, not berta
    assert vote(fr, fr.berta, question, "pizza") == "ignored"
    assert vote(fr, fr.bob, question, "pizza") == "processed"
    assert counts(question) == ({"pizza": 1, "sushi": 0, "salad": 0}, 1)

