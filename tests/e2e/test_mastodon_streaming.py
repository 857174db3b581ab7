"""Streaming (docs.joinmastodon.org/methods/streaming/) with a real WebSocket client
(python-websockets) on fr (split: the streaming server's own process) and de (compact: a
thread of the worker process), found where apps find it, ``urls.streaming_api`` of
``/api/v1/instance``: bob@de follows alice@fr and receives her post on his ``user`` stream
within seconds of its arrival, rendered exactly as the REST API renders it for him; the
``public:local`` stream gets a node's post; a stream never carries what its user may not
see; a bad token is refused, a revoked one's connection closed; health answers OK."""

from __future__ import annotations

import json
import time
import uuid
from contextlib import ExitStack

import pytest
import requests
from mastodon import StreamListener
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def people(group):
    fr, de = group["fr"], group["de"]
    return {"alice": password_app(fr, "alice"), "amelie": password_app(fr, "amelie"),
            "bob": password_app(de, "bob"), "berta": password_app(de, "berta")}


@pytest.fixture(scope="module")
def bob_follows_alice(group):
    fr, de = group["fr"], group["de"]
    de.follow_and_wait("bob", fr, "alice")


def streaming_url(node) -> str:
    """Where an app opens the stream: the instance document's ``urls.streaming_api``."""
    return requests.get(f"{node.base}/api/v1/instance", timeout=10).json()["urls"]["streaming_api"]


def open_stream(node, app, query: str = ""):
    return connect(f"{streaming_url(node)}/api/v1/streaming?access_token={app.access_token}{query}",
                   open_timeout=10)


def received(ws, until, timeout: float = 30.0) -> list[dict]:
    """Every message (payloads decoded) until ``until(messages so far)``; fails on timeout."""
    messages, deadline = [], time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no awaited message within {timeout}s; got {messages!r}")
        try:
            message = json.loads(ws.recv(timeout=left))
        except TimeoutError:
            continue
        if isinstance(message.get("payload"), str) and message.get("event") != "delete":
            message["payload"] = json.loads(message["payload"])
        messages.append(message)
        if until(messages):
            return messages


def about(tag: str):
    return lambda got: got[-1].get("event") == "update" and tag in got[-1]["payload"]["content"]


def rest_status(node, app, status_id: str) -> dict:
    resp = requests.get(f"{node.base}/api/v1/statuses/{status_id}", timeout=10,
                        headers={"Authorization": f"Bearer {app.access_token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_health_on_both_layouts(group):
    for node in (group["fr"], group["de"]):
        url = streaming_url(node).replace("ws://", "http://", 1)
        resp = requests.get(f"{url}/api/v1/streaming/health", timeout=10)
        assert (resp.status_code, resp.text) == (200, "OK")


def test_a_bad_token_is_refused(group, people):
    de = group["de"]
    url = f"{streaming_url(de)}/api/v1/streaming"
    for query, status in (("?stream=user", 401), ("?stream=user&access_token=not-a-token", 401),
                          (f"?stream=nonsense&access_token={people['bob'].access_token}", 400),
                          (f"?stream=hashtag&access_token={people['bob'].access_token}", 400)):
        with pytest.raises(InvalidStatus) as refused:
            connect(url + query, open_timeout=10)
        assert refused.value.response.status_code == status, query
        assert "error" in json.loads(refused.value.response.body)


def test_user_stream_gets_a_followed_post_from_another_node(group, people, bob_follows_alice):
    de = group["de"]
    alice, bob = people["alice"], people["bob"]
    tag = uuid.uuid4().hex[:8]
    with open_stream(de, bob, "&stream=user") as ws:
        posted_at = time.monotonic()
        post = alice.status_post(f"to my followers {tag}", visibility="public")
        message = received(ws, about(tag))[-1]
        assert time.monotonic() - posted_at < 15
        assert message["stream"] == ["user"]
        shown = message["payload"]
        assert shown["uri"] == post["uri"]
        # Exactly what the REST API shows bob (his node's id, his flags).
        assert shown == rest_status(de, bob, shown["id"])

        alice.status_delete(post["id"])
        gone = received(ws, lambda got: got[-1].get("event") == "delete")[-1]
        assert (gone["stream"], gone["payload"]) == (["user"], shown["id"])


def test_mastodon_py_streams_over_websocket(group, people, bob_follows_alice):
    """Mastodon.py (2.3.3) as an app uses it: it finds the streaming server in the instance
    document, checks its health, opens one WebSocket and subscribes to the user stream."""
    alice, bob = people["alice"], people["bob"]
    tag = uuid.uuid4().hex[:8]

    class Listener(StreamListener):
        def __init__(self):
            super().__init__()
            self.updates = []

        def on_update(self, status):
            self.updates.append(status)

    listener = Listener()
    assert bob.stream_healthy() is True
    handle = bob.stream_open_websocket(listener=listener)
    try:
        bob.stream_user(listener, websocket_handle=handle)
        assert [s.stream for s in handle.subscriptions()] == ["user"]
        # (The subscribe message is read long before alice's post crosses two nodes.)
        post = alice.status_post(f"for the app {tag}", visibility="public")
        got = wait_until(lambda: next((s for s in listener.updates if tag in s.content), None),
                         message="the update on Mastodon.py's stream")
        assert got.uri == post["uri"] and got.account.acct == f"alice@{group['fr'].host}"
    finally:
        handle.close()


def test_a_mention_from_another_node_is_a_notification(group, people, bob_follows_alice):
    fr = group["fr"]
    alice, bob = people["alice"], people["bob"]
    tag = uuid.uuid4().hex[:8]
    with open_stream(fr, alice, "&stream=user:notification") as ws:
        bob.status_post(f"@alice@{fr.host} a question {tag}", visibility="public")
        got = received(ws, lambda got: got[-1].get("event") == "notification")[-1]
        assert got["stream"] == ["user:notification"]
        shown = got["payload"]
        assert shown["type"] == "mention" and tag in shown["status"]["content"]
        resp = requests.get(f"{fr.base}/api/v1/notifications/{shown['id']}", timeout=10,
                            headers={"Authorization": f"Bearer {alice.access_token}"})
        assert resp.json() == shown


def test_public_local_stream_gets_a_node_post(group, people):
    """amelie subscribes on one connection (Mastodon's multiplexed form) to fr's stream and
    a hashtag; alice's public post with that hashtag (an AS2 Hashtag, posted over C2S)
    arrives on both, as the REST API shows it to amelie."""
    fr = group["fr"]
    amelie = people["amelie"]
    tag = uuid.uuid4().hex[:8]
    with open_stream(fr, amelie) as ws:
        ws.send(json.dumps({"type": "subscribe", "stream": "public:local"}))
        ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": f"#Tag{tag}"}))
        ws.send(json.dumps({"type": "subscribe", "stream": "list"}))
        # The refusal of the last one also says the two before it are in place.
        error = json.loads(ws.recv(timeout=10))
        assert error == {"error": "Unknown stream type", "status": 400}
        fr.publish("alice", {"type": "Note", "content": f"for the whole node {tag} #Tag{tag}",
                             "to": ["https://www.w3.org/ns/activitystreams#Public"],
                             "tag": [{"type": "Hashtag", "name": f"#Tag{tag}"}]})
        streams = [["public:local"], ["hashtag", f"tag{tag}"]]
        got = received(ws, lambda got: all(any(m["stream"] == s for m in got) for s in streams))
        for stream in streams:
            shown = next(m for m in got if m["stream"] == stream and m["event"] == "update")["payload"]
            assert tag in shown["content"] and shown["account"]["acct"] == "alice"
            assert shown == rest_status(fr, amelie, shown["id"])


def test_a_stream_never_carries_what_its_user_may_not_see(group, people, bob_follows_alice):
    """berta@de does not follow alice: her followers-only post reaches de (bob follows her)
    but none of berta's streams; on fr, none of amelie's. The public post after it (the
    sentinel) reaches both, so the hidden one would have come first."""
    fr, de = group["fr"], group["de"]
    alice, amelie, bob, berta = people["alice"], people["amelie"], people["bob"], people["berta"]
    tag = uuid.uuid4().hex[:8]
    with ExitStack() as opened:
        streams = {"berta": opened.enter_context(open_stream(de, berta)),
                   "amelie": opened.enter_context(open_stream(fr, amelie)),
                   "alice": opened.enter_context(open_stream(fr, alice, "&stream=user")),
                   "bob": opened.enter_context(open_stream(de, bob, "&stream=user"))}
        for name in ("berta", "amelie"):
            for stream in ("user", "public", "public:local", "public:remote"):
                streams[name].send(json.dumps({"type": "subscribe", "stream": stream}))
            streams[name].send(json.dumps({"type": "subscribe", "stream": "list"}))
            assert json.loads(streams[name].recv(timeout=10))["status"] == 400  # the others are in place
        hidden = alice.status_post(f"followers only {tag}", visibility="private")
        # Applied on both nodes (alice's home shows her own posts, bob's his follows'):
        # every stream of each node has had its chance at it before the sentinel.
        assert received(streams["alice"], about(tag))[-1]["payload"]["visibility"] == "private"
        assert received(streams["bob"], about(tag))[-1]["payload"]["uri"] == hidden["uri"]
        sentinel = uuid.uuid4().hex[:8]
        alice.status_post(f"everyone {sentinel}", visibility="public")
        for name in ("berta", "amelie"):
            seen = received(streams[name], about(sentinel))
            assert not any(tag in json.dumps(m) for m in seen), (name, seen)
            assert {m["stream"][0] for m in seen} >= {"public"}, (name, seen)


def test_a_revoked_token_closes_its_stream(group):
    de = group["de"]
    app = password_app(de, "berta")
    with open_stream(de, app, "&stream=user") as ws:
        resp = requests.post(f"{de.base}/oauth/revoke", timeout=10, data={
            "client_id": app.client_id, "client_secret": app.client_secret, "token": app.access_token})
        assert resp.status_code == 200, resp.text
        with pytest.raises(ConnectionClosed) as closed:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                ws.recv(timeout=deadline - time.monotonic())
        assert closed.value.rcvd.code == 1008
