"""The group's stream in-process (tests/inprocess.py): fr.test is this node, de.test the
other member node, partner.test outside. A post to the group or the public goes once to
de's shared inbox with its edits and deletion; what a member node's user posts there shows
in this node's group stream (``/api/v1/timelines/public``) though nobody here follows them;
a public post from outside the group does not."""

from __future__ import annotations

import pytest

from fedkit.contracts.api import ApiClient, Reader
from fedkit.protocol.vocab import PUBLIC
from fedkit.rules.registry import load_registry
from tests.inprocess import MEMBER, OUTSIDE
from tests.unit.api_support import api_user

BOB, PAULA = f"{MEMBER}/users/bob", f"{OUTSIDE}/users/paula"
DE_SHARED = f"{MEMBER}/inbox"


@pytest.fixture
def fr(node):
    """carol reads on fr; alice posts there; bob@de and paula@partner are known, and so is
    de's instance actor (the member node's shared inbox)."""
    node.carol = api_user(node, "carol")
    node.alice = api_user(node, "alice")
    node.bob = node.remote_actor(BOB)
    node.paula = node.remote_actor(PAULA)
    node.remote_actor(f"{MEMBER}/actor", actor_type="Application")
    node.group_audience = load_registry(node.config).audience
    return node


def note(actor: str, n: int, **addressing) -> dict:
    origin = actor.split("/users/")[0]
    obj = {"id": f"{origin}/objects/{n}", "type": "Note", "attributedTo": actor, "content": f"post {n}",
           **addressing}
    return {"id": f"{origin}/activities/{n}", "type": "Create", "actor": actor, "object": obj, **addressing}


def stream(node) -> set[str]:
    resp = node.carol.get("/api/v1/timelines/public", query_string={"limit": 40})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return {s["uri"] for s in resp.get_json()}


def deliver(node, activity: dict, by) -> None:
    resp = node.deliver(activity, by=by)
    assert resp.status_code == 202, resp.get_data(as_text=True)
    node.run()


def test_a_member_nodes_post_shows_in_the_group_stream_and_an_outside_one_does_not(fr):
    to_public = note(BOB, 1, to=[PUBLIC])
    to_group = note(BOB, 2, to=[fr.group_audience])
    from_outside = note(PAULA, 3, to=[PUBLIC])
    unlisted = note(BOB, 4, to=[f"{BOB}/followers"], cc=[PUBLIC])
    for activity, by in ((to_public, fr.bob), (to_group, fr.bob), (from_outside, fr.paula), (unlisted, fr.bob)):
        deliver(fr, activity, by)
    shown = stream(fr)
    assert {to_public["object"]["id"], to_group["object"]["id"]} <= shown  # nobody here follows bob
    assert from_outside["object"]["id"] not in shown  # outside the group: not its stream
    assert unlisted["object"]["id"] not in shown
    # The streaming server's public streams take the same posts (services/api/streaming_render.py).
    render = ApiClient(fr.internal)
    reader = Reader("carol", frozenset({"read"}))
    assert {a["object"]["id"]: render.stream_status(a["object"]["id"], reader)["public"]
            for a in (to_public, to_group, from_outside, unlisted)} == {
        to_public["object"]["id"]: True, to_group["object"]["id"]: True,
        from_outside["object"]["id"]: False, unlisted["object"]["id"]: False}
    # Deleted by its author: gone from the stream.
    deliver(fr, {"id": f"{MEMBER}/activities/9", "type": "Delete", "actor": BOB, "to": [PUBLIC],
                 "object": to_public["object"]["id"]}, fr.bob)
    assert to_public["object"]["id"] not in stream(fr)


@pytest.mark.parametrize("followed", [False, True])
@pytest.mark.parametrize("visibility", ["public", "group"])
def test_a_post_edit_and_deletion_go_once_to_each_member_node(fr, visibility, followed):
    if followed:
        fr.follows(BOB, fr.actor("alice"))  # a follower on de: still one delivery there
    resp = fr.alice.post("/api/v1/statuses", data={"status": "hello group", "visibility": visibility})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    status = resp.get_json()
    fr.run()
    creates = [a for a in fr.sent_by(fr.actor("alice")) if a["type"] == "Create"]
    assert list(fr.deliveries(creates[-1]["id"])) == [DE_SHARED]
    edited = fr.alice.put(f"/api/v1/statuses/{status['id']}", data={"status": "hello again"})
    assert edited.status_code == 200, edited.get_data(as_text=True)
    resp = fr.gateway.delete(f"/api/v1/statuses/{status['id']}", headers=fr.alice.headers, base_url=fr.base)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    fr.run()
    for kind in ("Update", "Delete"):
        sent = [a for a in fr.sent_by(fr.actor("alice")) if a["type"] == kind]
        assert len(sent) == 1 and list(fr.deliveries(sent[0]["id"])) == [DE_SHARED], kind


def test_a_node_post_never_leaves_the_node(fr):
    resp = fr.alice.post("/api/v1/statuses", data={"status": "canteen closed", "visibility": "node"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    fr.run()
    assert fr.deliveries() == {}


def test_a_member_node_that_cannot_be_reached_now_still_gets_its_delivery(node):
    """de's instance actor cannot be fetched at fan-out time (de.test does not answer: a node
    restarting): the post still gets a delivery to de's shared inbox, which the delivery
    worker retries until de answers — not nothing."""
    alice = api_user(node, "alice")
    resp = alice.post("/api/v1/statuses", data={"status": "while de restarts", "visibility": "group"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    node.run()
    create = [a for a in node.sent_by(node.actor("alice")) if a["type"] == "Create"][-1]
    assert list(node.deliveries(create["id"])) == [DE_SHARED]
