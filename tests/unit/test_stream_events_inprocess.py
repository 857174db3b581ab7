"""The inbox's hook for the streaming server (services/inbox/stream_events.py), in-process
(tests/inprocess.py, a real Redis): what an applied activity publishes — ids only, for
whom — read back from the node's channel."""

from __future__ import annotations

import json

import pytest
import redis

from fedkit.contracts import stream_events as events
from tests.inprocess import MEMBER

BOB = f"{MEMBER}/users/bob"


@pytest.fixture
def fr(node):
    node.local_user("alice")
    node.local_user("amelie")
    node.bob = node.remote_actor(BOB)
    return node


@pytest.fixture
def channel(fr):
    pubsub = redis.Redis.from_url(fr.config.redis_url).pubsub()
    pubsub.subscribe(events.channel(fr.config.queue_prefix))
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"

    def published() -> list[dict]:
        out = []
        while (message := pubsub.get_message(timeout=0.5)) is not None:
            out.append(json.loads(message["data"]))
        return out

    yield published
    pubsub.close()


def test_a_post_reaching_a_local_user(fr, channel):
    obj = {"id": f"{MEMBER}/objects/1", "type": "Note", "attributedTo": BOB, "content": "hi @alice",
           "to": [fr.actor("alice")], "tag": [{"type": "Mention", "href": fr.actor("alice")}]}
    resp = fr.deliver({"id": f"{MEMBER}/activities/1", "type": "Create", "actor": BOB, "object": obj,
                       "to": [fr.actor("alice")]}, by=fr.bob)
    assert resp.status_code == 202
    fr.run()
    got = channel()
    kinds = [(e["kind"], e.get("user")) for e in got]
    assert kinds == [("home", "alice"), ("notification", "alice"), ("status", None)]
    assert got[2] == events.status(obj["id"], author=None)
    assert not any("content" in e or "object" in e for e in got)  # ids, never content
    assert isinstance(got[0]["seq"], int) and got[1]["id"].isdigit()

    fr.deliver({"id": f"{MEMBER}/activities/2", "type": "Delete", "actor": BOB, "object": obj["id"],
                "to": [fr.actor("alice")]}, by=fr.bob)
    fr.run()
    assert channel() == [events.delete(obj["id"], ["alice"], public=False)]


def test_a_local_public_post_names_its_author(fr, channel):
    created = fr.publish("amelie", {"type": "Note", "content": "to everyone",
                                    "to": ["https://www.w3.org/ns/activitystreams#Public"]})
    fr.run()
    statuses = [e for e in channel() if e["kind"] == "status"]
    assert statuses == [events.status(created["object"]["id"], author="amelie")]


def test_nothing_for_an_ignored_activity(fr, channel):
    forged = {"id": f"{MEMBER}/objects/9", "type": "Note", "attributedTo": f"{MEMBER}/users/berta",
              "content": "not bob's", "to": [fr.actor("alice")]}
    fr.deliver({"id": f"{MEMBER}/activities/9", "type": "Create", "actor": BOB, "object": forged,
                "to": [fr.actor("alice")]}, by=fr.bob)
    fr.run()
    assert channel() == []


def test_a_report_outcome_reaches_the_reporters_stream(fr, channel):
    """Written outside a handler (services/inbox/reports.py), it is published all the same."""
    from services.inbox.report_models import Report

    Report(number=1, uri=f"{fr.base}/activities/r1", reporter=fr.actor("amelie"), reporter_username="amelie",
           target=BOB, forwarded_to=[BOB]).save()
    answer = {"id": f"{MEMBER}/answers/1", "type": "Accept", "actor": f"{MEMBER}/actor",
              "object": {"id": f"{fr.base}/activities/r1", "type": "Flag"}}
    assert fr.deliver(answer, by=fr.remote_actor(f"{MEMBER}/actor", actor_type="Application")).status_code == 202
    fr.run()
    assert ("notification", "amelie") in [(e["kind"], e.get("user")) for e in channel()]
