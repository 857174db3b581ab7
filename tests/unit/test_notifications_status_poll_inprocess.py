"""Two notification types in-process (tests/inprocess.py), through the client API:

- ``status``: following with ``notify=true`` subscribes to the account's new posts
  (docs.joinmastodon.org/methods/accounts/#follow, Mastodon 3.3+); the relationship shows
  ``notifying``; a new post or reply of theirs that reaches the user notifies them, a boost
  does not; following again with ``notify=false`` ends it.
- ``poll``: when a poll ends, its local author and every local user who voted in it are told,
  once (docs.joinmastodon.org/entities/Notification/#type), by the inbox worker's sweep.
"""

from __future__ import annotations

import datetime as dt

import pytest

from fedkit.protocol import polls
from fedkit.protocol.vocab import PUBLIC
from fedkit.runtime.clock import now
from services.inbox.models import FollowRelation, Notification
from tests.inprocess import MEMBER
from tests.unit.api_support import api_user

BOB = f"{MEMBER}/users/bob"
_n = iter(range(1, 10_000))


@pytest.fixture
def fr(node):
    node.alice = api_user(node, "alice")
    node.bob = node.remote_actor(BOB)
    return node


def bob_posts(node, *, to=(PUBLIC,), cc=(f"{BOB}/followers",), in_reply_to=None) -> str:
    n = next(_n)
    obj = {"id": f"{BOB}/statuses/{n}", "type": "Note", "attributedTo": BOB, "content": f"post {n}",
           "to": list(to), "cc": list(cc)}
    if in_reply_to:
        obj["inReplyTo"] = in_reply_to
    resp = node.deliver({"id": f"{obj['id']}/activity", "type": "Create", "actor": BOB, "object": obj,
                         "to": obj["to"], "cc": obj["cc"]}, by=node.bob)
    assert resp.status_code == 202, resp.get_data(as_text=True)
    node.run()
    return obj["id"]


def told(username: str, kind: str) -> list[str]:
    return [n.object_id for n in Notification.objects(username=username, type=kind).order_by("seq")]


def account_id(node, actor: str) -> str:
    from services.api import ids

    return ids.account_id(actor)


def test_following_with_notify_tells_of_each_new_post_until_turned_off(fr):
    fr.follows(fr.actor("alice"), BOB)
    bob_id = account_id(fr, BOB)
    before = bob_posts(fr)
    assert told("alice", "status") == []  # following alone notifies nothing

    resp = fr.alice.post(f"/api/v1/accounts/{bob_id}/follow", data={"notify": "true"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["notifying"] is True and resp.get_json()["following"] is True
    shown = fr.alice.get("/api/v1/accounts/relationships", query_string={"id[]": bob_id}).get_json()
    assert shown[0]["notifying"] is True

    post = bob_posts(fr)
    reply = bob_posts(fr, in_reply_to=before)
    hidden = bob_posts(fr, to=[f"{MEMBER}/users/berta"], cc=())  # not for alice: no notification
    boost = {"id": f"{BOB}/boosts/1", "type": "Announce", "actor": BOB, "object": before, "to": [PUBLIC]}
    assert fr.deliver(boost, by=fr.bob).status_code == 202
    fr.run()
    assert told("alice", "status") == [post, reply]
    assert hidden not in told("alice", "status")
    listed = fr.alice.get("/api/v1/notifications", query_string={"types[]": "status"}).get_json()
    assert [(n["type"], n["status"]["uri"], n["account"]["id"]) for n in listed] == [
        ("status", reply, bob_id), ("status", post, bob_id)]

    resp = fr.alice.post(f"/api/v1/accounts/{bob_id}/follow", data={"notify": "false"})
    assert resp.status_code == 200 and resp.get_json()["notifying"] is False
    bob_posts(fr)
    assert told("alice", "status") == [post, reply]


def test_a_new_follow_with_notify_subscribes_and_an_unfollow_ends_it(fr):
    bob_id = account_id(fr, BOB)
    resp = fr.alice.post(f"/api/v1/accounts/{bob_id}/follow", json={"notify": True})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    fr.run()
    assert resp.get_json()["requested"] is True
    # bob's node accepts: the subscription holds once the follow does
    relation = FollowRelation.objects(follower=fr.actor("alice"), followee=BOB).get()
    accept = {"id": f"{BOB}/accepts/1", "type": "Accept", "actor": BOB, "to": [fr.actor("alice")],
              "object": {"id": relation.follow_activity_id, "type": "Follow", "actor": fr.actor("alice"),
                         "object": BOB}}
    assert fr.deliver(accept, by=fr.bob).status_code == 202
    fr.run()
    follow_id = fr.alice.get("/api/v1/accounts/relationships", query_string={"id[]": bob_id}).get_json()[0]
    assert follow_id["following"] is True and follow_id["notifying"] is True
    post = bob_posts(fr, to=[f"{BOB}/followers"])
    assert told("alice", "status") == [post]

    assert fr.alice.post(f"/api/v1/accounts/{bob_id}/unfollow").status_code == 200
    fr.run()
    fr.follows(fr.actor("alice"), BOB)  # following again, without notify
    bob_posts(fr)
    assert told("alice", "status") == [post]


def test_a_bad_notify_value_is_no_server_error(fr):
    fr.follows(fr.actor("alice"), BOB)
    bob_id = account_id(fr, BOB)
    resp = fr.alice.post(f"/api/v1/accounts/{bob_id}/follow", json={"notify": {"x": 1}})
    assert resp.status_code < 500
    assert resp.get_json()["notifying"] is False


# -- poll ---------------------------------------------------------------------------------

def local_poll(node, username: str, end: str) -> str:
    question = {"type": "Question", "content": "Lunch?", "to": [PUBLIC],
                **polls.question(["pizza", "sushi"], multiple_choice=False, end=end)}
    posted = node.publish(username, question)
    node.run()
    return posted["object"]["id"]


def sweep_at(node, monkeypatch, when: dt.datetime) -> int:
    """One inbox worker cycle with the clock at ``when``."""
    from services.inbox import poll_endings
    from services.inbox.worker import run_single_cycle

    monkeypatch.setattr(poll_endings, "now", lambda: when)
    return run_single_cycle(node.config, node.internal)


def test_when_a_poll_ends_its_author_and_local_voters_are_told_once(fr, monkeypatch):
    fr.local_user("amelie")
    fr.local_user("arno")
    end = now() + dt.timedelta(hours=1)
    question = local_poll(fr, "alice", end.strftime("%Y-%m-%dT%H:%M:%SZ"))
    fr.publish("amelie", {"type": "Create", "to": [fr.actor("alice")], "object": {
        "type": "Note", "name": "sushi", "inReplyTo": question, "to": [fr.actor("alice")]}})
    fr.run()
    sweep_at(fr, monkeypatch, end - dt.timedelta(minutes=1))
    assert Notification.objects(type="poll").count() == 0  # not over yet

    sweep_at(fr, monkeypatch, end + dt.timedelta(seconds=1))
    assert sorted((n.username, n.actor, n.object_id) for n in Notification.objects(type="poll")) == [
        ("alice", fr.actor("alice"), question), ("amelie", fr.actor("alice"), question)]
    assert told("arno", "poll") == []  # did not vote
    sweep_at(fr, monkeypatch, end + dt.timedelta(minutes=5))
    assert Notification.objects(type="poll").count() == 2  # once

    listed = fr.alice.get("/api/v1/notifications", query_string={"types[]": "poll"}).get_json()
    assert [(n["type"], n["status"]["uri"], bool(n["status"]["poll"])) for n in listed] == [
        ("poll", question, True)]


def test_a_local_voter_in_a_remote_poll_is_told_when_it_ends(fr, monkeypatch):
    end = now() + dt.timedelta(hours=2)
    question = {"id": f"{MEMBER}/objects/q1", "type": "Question", "attributedTo": BOB, "content": "Tea?",
                "to": [PUBLIC], "cc": [f"{BOB}/followers"],
                **polls.question(["yes", "no"], multiple_choice=False, end=end.strftime("%Y-%m-%dT%H:%M:%SZ"))}
    fr.follows(fr.actor("alice"), BOB)
    resp = fr.deliver({"id": f"{MEMBER}/activities/q1", "type": "Create", "actor": BOB, "object": question,
                       "to": [PUBLIC], "cc": [f"{BOB}/followers"]}, by=fr.bob)
    assert resp.status_code == 202
    fr.run()
    fr.publish("alice", {"type": "Create", "to": [BOB], "object": {
        "type": "Note", "name": "no", "inReplyTo": question["id"], "to": [BOB]}})
    fr.run()
    sweep_at(fr, monkeypatch, end + dt.timedelta(seconds=1))
    assert [(n.username, n.actor, n.object_id) for n in Notification.objects(type="poll")] == [
        ("alice", BOB, question["id"])]


def test_a_colleague_subscribed_on_the_same_node_is_told(fr):
    amelie = api_user(fr, "amelie")
    alice_id = account_id(fr, fr.actor("alice"))
    resp = amelie.post(f"/api/v1/accounts/{alice_id}/follow", data={"notify": "1"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    fr.run()
    shown = amelie.get("/api/v1/accounts/relationships", query_string={"id[]": alice_id}).get_json()[0]
    assert shown["following"] is True and shown["notifying"] is True
    posted = fr.publish("alice", {"type": "Note", "content": "hello", "to": [f"{fr.actor('alice')}/followers"]})
    fr.run()
    assert told("amelie", "status") == [posted["object"]["id"]]
    assert told("alice", "status") == []  # never of one's own post


def test_the_internal_endpoint_refuses_what_is_no_subscription(fr):
    from tests.inprocess import SECRET

    client = fr.services["inbox"].test_client()
    for body in ({}, {"follower": "a", "followee": "b", "notify": "yes"}, ["x"],
                 {"follower": 1, "followee": "b", "notify": True}):
        resp = client.post("/internal/follows/notify", json=body, headers={"X-Archipel-Internal": SECRET})
        assert resp.status_code == 400 and resp.get_json()["error"], body
