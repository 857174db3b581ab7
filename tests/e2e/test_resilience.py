"""Nothing accepted is lost: a node that is down gets its deliveries after it comes
back, and a killed worker's pending work is picked up when a worker starts again."""

from __future__ import annotations

import signal

import pytest

from tests.plugin import wait_until


def find(items, activity_id):
    return next((a for a in items if a["id"] == activity_id), None)


@pytest.fixture(scope="module")
def berta_follows_alain(group):
    fr, de = group["fr"], group["de"]
    de.publish("berta", {"type": "Follow", "object": fr.actor("alain")})
    wait_until(lambda: fr.actor("alain") in de.collection_items(f"{de.actor('berta')}/following"),
               message="berta to follow alain")


def test_note_sent_while_a_node_is_down_arrives_after_restart(group, berta_follows_alain):
    fr, de = group["fr"], group["de"]
    de_node = group.nodes["de"]
    de_node.stop()
    try:
        create = fr.publish("alain", {"type": "Note", "content": "Sent while de sleeps",
                                      "to": [f"{fr.actor('alain')}/followers"]})
        delivery = wait_until(
            lambda: fr.db.deliveries.find_one({"activity_id": create["id"], "attempts": {"$gte": 1}}),
            message="a failed delivery attempt to the stopped node")
        assert delivery["state"] == "retrying" and delivery["inbox"] == f"{de.base}/inbox"
    finally:
        de_node.start()
    wait_until(lambda: find(de.inbox("berta"), create["id"]), timeout=60,
               message="the note to reach berta after de restarted")
    # de may apply the note before fr's worker has recorded de's 202: wait for the record.
    wait_until(lambda: fr.db.deliveries.find_one({"activity_id": create["id"]})["state"] == "delivered",
               message="fr to record the delivery as delivered")


def test_killed_delivery_worker_loses_nothing(group, berta_follows_alain):
    fr, de = group["fr"], group["de"]
    fr_node = group.nodes["fr"]
    fr_node.stop_process("delivery-worker", sig=signal.SIGKILL)
    try:
        create = fr.publish("alain", {"type": "Note", "content": "Queued with no worker running",
                                      "to": [f"{fr.actor('alain')}/followers"]})
        stored = fr.db.outbox_activities.find_one({"_id": create["id"]})
        assert stored["fanout"] == "pending"  # accepted and persisted, nothing sent yet
    finally:
        fr_node.start_worker("delivery-worker")
    wait_until(lambda: find(de.inbox("berta"), create["id"]), timeout=60,
               message="the note to arrive once a worker runs again")


def test_killed_inbox_worker_loses_nothing(group, berta_follows_alain):
    fr, de = group["fr"], group["de"]
    de_node = group.nodes["de"]
    de_node.stop_process("inbox-worker", sig=signal.SIGKILL)
    try:
        create = fr.publish("alain", {"type": "Note", "content": "Received with no inbox worker",
                                      "to": [f"{fr.actor('alain')}/followers"]})
        # de answered 202: the delivery is in de's intake stream, waiting for a worker.
        wait_until(lambda: fr.db.deliveries.find_one({"activity_id": create["id"], "state": "delivered"}),
                   message="de to accept the delivery")
        assert find(de.inbox("berta"), create["id"]) is None
    finally:
        de_node.start_worker("inbox-worker")
    wait_until(lambda: find(de.inbox("berta"), create["id"]), timeout=60,
               message="the note to be applied once the inbox worker runs again")
