"""The delivery state machine against a real HTTP peer and a real database."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from fedkit.protocol import httpsig
from fedkit.protocol.keys import generate_rsa_keypair
from fedkit.protocol.vocab import PUBLIC
from fedkit.runtime import keystore
from fedkit.runtime.config import Config
from services.outbox import delivery as dl
from services.outbox.models import Delivery, HostHealth, OutboxActivity

ACTOR = "http://node.test/users/alice"


@pytest.fixture
def config():
    return Config(base_url="http://node.test", dev_mode=True, delivery_backoff_scale=0.001,
                  delivery_max_attempts=4, host_unavailable_after=2, host_probe_interval=600)


@pytest.fixture
def activity(db):
    private_pem, public_pem = generate_rsa_keypair()
    keystore.store_key(ACTOR, ACTOR + "#main-key", private_pem, public_pem)
    raw = {"id": "http://node.test/activities/1", "type": "Create", "actor": ACTOR, "to": [PUBLIC],
           "bcc": ["http://secret.test/users/x"],
           "object": {"id": "http://node.test/objects/1", "type": "Note", "content": "hi",
                      "bto": ["http://secret.test/users/y"]}}
    OutboxActivity(activity_id=raw["id"], actor=ACTOR, activity_type="Create", raw=raw).save()
    return raw, public_pem


def make_delivery(inbox: str) -> Delivery:
    dl.create_deliveries("http://node.test/activities/1", ACTOR, [inbox])
    return Delivery.objects(inbox=inbox).get()


def test_success_is_signed_and_strips_bto_bcc(config, activity, peer):
    raw, public_pem = activity
    delivery = make_delivery(peer.inbox)
    assert dl.deliver(str(delivery.id), config) == dl.DELIVERED
    delivery.reload()
    assert delivery.state == "delivered" and delivery.attempts == 1 and delivery.last_status == 202
    sent = peer.received[0]
    body = json.loads(sent["body"])
    assert "bcc" not in body and "bto" not in body["object"] and body["id"] == raw["id"]
    verified = httpsig.verify_request("POST", peer.inbox, sent["headers"], sent["body"],
                                      resolve_key=lambda key_id, refresh: public_pem)
    assert verified.key_id == ACTOR + "#main-key"
    assert {"(request-target)", "host", "date", "digest"} <= set(verified.covered)
    # A delivered delivery is final.
    assert dl.deliver(str(delivery.id), config) is None
    with pytest.raises(ValueError):
        dl.transition(delivery, dl.RETRYING)


def test_create_deliveries_is_idempotent(config, activity, peer):
    first = dl.create_deliveries("http://node.test/activities/1", ACTOR, [peer.inbox, peer.inbox])
    again = dl.create_deliveries("http://node.test/activities/1", ACTOR, [peer.inbox])
    assert len(first) == 1 and again == []
    assert Delivery.objects.count() == 1


def test_retry_after_is_honoured(config, activity, peer):
    peer.responses.append((503, {"Retry-After": "120"}))
    delivery = make_delivery(peer.inbox)
    before = dt.datetime.now(dt.UTC)
    assert dl.deliver(str(delivery.id), config) == dl.RETRYING
    delivery.reload()
    assert delivery.attempts == 1 and delivery.last_status == 503
    assert delivery.next_attempt_at >= before + dt.timedelta(seconds=119)
    assert dl.deliver(str(delivery.id), config) is None  # not due yet


@pytest.mark.parametrize("status,expected", [(404, "failed"), (410, "failed"), (401, "failed"),
                                             (408, "retrying"), (429, "retrying"), (500, "retrying")])
def test_which_statuses_are_retried(config, activity, peer, status, expected):
    peer.responses.append((status, {}))
    delivery = make_delivery(peer.inbox)
    assert dl.deliver(str(delivery.id), config) == expected


def test_gives_up_after_max_attempts(config, activity, peer):
    delivery = make_delivery(peer.inbox)
    peer.responses.extend([(500, {})] * 10)
    HostHealth.objects.delete()
    states = []
    for _ in range(config.delivery_max_attempts):
        Delivery.objects(id=delivery.id).update_one(set__next_attempt_at=dt.datetime.now(dt.UTC))
        HostHealth.objects.delete()  # keep the host available: this test is about attempts
        states.append(dl.deliver(str(delivery.id), config))
    assert states == ["retrying"] * (config.delivery_max_attempts - 1) + ["failed"]
    assert len(peer.received) == config.delivery_max_attempts


def test_unreachable_host_is_marked_unavailable_then_resumed(config, activity, peer):
    from deploy.supervision import free_port

    dead_inbox = f"http://127.0.0.1:{free_port()}/inbox"
    first = make_delivery(dead_inbox)
    for _ in range(config.host_unavailable_after):
        Delivery.objects(id=first.id).update_one(set__next_attempt_at=dt.datetime.now(dt.UTC))
        assert dl.deliver(str(first.id), config) == dl.RETRYING
    first.reload()
    assert first.last_error == "ConnectionError"
    health = HostHealth.objects.get(host=dl.host_of(dead_inbox))
    assert health.unavailable and health.next_probe_at > dt.datetime.now(dt.UTC)
    # While unavailable, a due delivery waits for the probe instead of being attempted.
    Delivery.objects(id=first.id).update_one(set__next_attempt_at=dt.datetime.now(dt.UTC))
    dl.deliver(str(first.id), config)
    first.reload()
    assert first.attempts == config.host_unavailable_after
    assert abs((first.next_attempt_at - health.next_probe_at).total_seconds()) < 1
    # When the host answers again, everything waiting for it becomes due at once.
    dl._record_success(dl.host_of(dead_inbox))
    first.reload()
    assert first.next_attempt_at <= dt.datetime.now(dt.UTC)
    assert not HostHealth.objects.get(host=dl.host_of(dead_inbox)).unavailable


def test_retry_after_parsing():
    assert dl.retry_after_seconds("30") == 30
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 80 < dl.retry_after_seconds(future) <= 90
    assert dl.retry_after_seconds("soon") is None


def test_backoff_spans_about_two_days():
    config = Config(delivery_backoff_scale=1.0)
    total = sum(dl.backoff_seconds(n, config) for n in range(1, 16))
    assert 1.5 * 86400 < total < 3 * 86400


class _Identity:
    """A real HTTP identity stand-in answering /internal/accounts/<name> with a state."""

    def __init__(self, suspended: bool):
        import http.server
        import threading

        answer = json.dumps({"username": "alice", "suspended": suspended}).encode()
        self.asked = 0
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                stand_in.asked += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_a_delivery_queued_before_the_account_closed_is_not_sent(config, activity, peer):
    identity = _Identity(suspended=True)
    dl._closed_memo.clear()
    try:
        closed = config.with_overrides({"identity_url": identity.url})
        delivery = make_delivery(peer.inbox)
        assert dl.deliver(str(delivery.id), closed) == dl.FAILED
        delivery.reload()
        assert delivery.last_error == "account_closed" and peer.received == []
        # the closure's own announcement still goes out
        update = {"id": "http://node.test/activities/2", "type": "Update", "actor": ACTOR, "to": [PUBLIC],
                  "object": {"id": ACTOR, "type": "Person", "suspended": True}}
        OutboxActivity(activity_id=update["id"], actor=ACTOR, activity_type="Update", raw=update).save()
        dl.create_deliveries(update["id"], ACTOR, [peer.inbox])
        announce = Delivery.objects(activity_id=update["id"]).get()
        assert dl.deliver(str(announce.id), closed) == dl.DELIVERED
        assert json.loads(peer.received[0]["body"])["object"]["suspended"] is True
    finally:
        dl._closed_memo.clear()
        identity.close()


def test_identity_is_not_asked_again_right_after_publishing(config, activity, peer):
    """Publishing has just asked identity (author_active_at): within the recheck window the
    delivery trusts that answer, as it trusts its own; older than that, it asks again."""
    identity = _Identity(suspended=True)  # would refuse, if asked
    dl._closed_memo.clear()
    try:
        closed = config.with_overrides({"identity_url": identity.url})
        record = OutboxActivity.objects.get(activity_id="http://node.test/activities/1")
        record.update(set__author_active_at=dt.datetime.now(dt.UTC))
        delivery = make_delivery(peer.inbox)
        assert dl.deliver(str(delivery.id), closed) == dl.DELIVERED
        assert identity.asked == 0
        stale = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=dl.CLOSED_RECHECK_SECONDS + 1)
        record.update(set__author_active_at=stale)
        second = make_delivery(peer.inbox + "?again")
        assert dl.deliver(str(second.id), closed) == dl.FAILED
        assert identity.asked == 1
    finally:
        dl._closed_memo.clear()
        identity.close()
