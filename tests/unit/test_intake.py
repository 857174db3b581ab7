"""The intake stream between the inbox's 202 and the database: with a real Redis and the
real embedded database, what was offered is stored once, a dead reader's entries are
taken over, and a failed store keeps them."""

from __future__ import annotations

import json
import uuid

import pytest
import redis

from fedkit.runtime import stream_consumer
from fedkit.runtime.config import Config
from fedkit.runtime.queue import make_broker
from services.inbox import intake
from services.inbox.models import InboundActivity
from services.inbox.storing import accept_batch

ACTOR = "https://peer.example/users/p"


def activity(n: int) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create", "actor": ACTOR,
            "id": f"{ACTOR}/activities/{n}",
            "object": {"id": f"{ACTOR}/notes/{n}", "type": "Note", "attributedTo": ACTOR, "content": "hi"}}


@pytest.fixture
def setting(infra, db):
    config = Config(queue_prefix=f"t{uuid.uuid4().hex[:8]}", redis_url=infra.redis_url)
    broker = make_broker(config)
    yield config, broker, broker.client
    broker.client.delete(intake.stream_name(config))
    broker.close()


def store_into(broker):
    return lambda deliveries: accept_batch(deliveries, broker)


def test_offered_deliveries_are_stored_once_then_gone_from_the_stream(setting):
    config, broker, client = setting
    for n in (1, 2, 1):  # the second 1 is a repeated delivery
        assert intake.offer(client, config, activity(n), ACTOR, [])
    assert intake.drain_once(client, config, store_into(broker), consumer="c1", block_ms=10) == 3
    assert sorted(a.activity_id for a in InboundActivity.objects) == [f"{ACTOR}/activities/1", f"{ACTOR}/activities/2"]
    stored = InboundActivity.objects(activity_id=f"{ACTOR}/activities/2").get()
    assert (stored.signer, stored.state, stored.raw["object"]["content"]) == (ACTOR, "received", "hi")
    assert intake.backlog(client, config) == 0
    # A replay later has no second effect either.
    intake.offer(client, config, activity(2), ACTOR, [])
    assert accept_batch([(activity(2), ACTOR, [])], broker) == []


def test_a_dead_readers_entries_are_taken_over(setting):
    config, broker, client = setting
    intake.offer(client, config, activity(3), ACTOR, ["https://node.example/users/alice"])
    stream_consumer.ensure_group(client, intake.stream_name(config), intake.GROUP)
    # "dead" read the entry and was killed before storing it: it stays pending.
    client.xreadgroup(intake.GROUP, "dead", {intake.stream_name(config): ">"}, count=10)
    assert intake.drain_once(client, config, store_into(broker), consumer="alive", block_ms=10) == 0
    assert intake.drain_once(client, config, store_into(broker), consumer="alive", block_ms=10,
                             reclaim_idle_ms=0) == 1
    assert InboundActivity.objects(activity_id=f"{ACTOR}/activities/3").get().also_to == \
        ["https://node.example/users/alice"]
    assert intake.backlog(client, config) == 0


def test_entries_stay_when_the_database_does_not_take_them(setting):
    config, broker, client = setting
    intake.offer(client, config, activity(4), ACTOR, [])

    def failing(_deliveries):
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError):
        intake.drain_once(client, config, failing, consumer="c1", block_ms=10)
    assert intake.backlog(client, config) == 1
    assert intake.drain_once(client, config, store_into(broker), consumer="c1", block_ms=10, reclaim_idle_ms=0) == 1
    assert InboundActivity.objects(activity_id=f"{ACTOR}/activities/4").count() == 1


def test_offer_says_so_when_redis_is_away():
    config = Config(queue_prefix="t")
    client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    assert intake.offer(client, config, activity(5), ACTOR, []) is False


def test_a_body_offered_as_received_is_stored_as_its_document(setting):
    """The inbox offers the request body itself (no second serialisation on the path)."""
    config, broker, client = setting
    body = json.dumps(activity(6), indent=1).encode()  # as a sender formats it
    assert intake.offer(client, config, body, ACTOR, [])
    assert intake.drain_once(client, config, store_into(broker), consumer="c1", block_ms=10) == 1
    assert InboundActivity.objects(activity_id=f"{ACTOR}/activities/6").get().raw == activity(6)
