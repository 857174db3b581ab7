"""The SSRF guard through each entry point an outsider can steer, in production mode
(``dev_mode`` off): a signature's keyId at the gateway, an inbox named by a remote actor
document (delivery), and the proxyUrl endpoint — and the proxy relays only ActivityStreams.

Each disguised URL points at a real loopback socket that counts connections: refused
means nothing ever connected to it.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest

from fedkit.protocol import httpsig, key_fetch
from fedkit.protocol.keys import generate_rsa_keypair
from fedkit.runtime import keystore
from fedkit.runtime.config import Config
from fedkit.runtime.internal import INTERNAL, SCOPES, USER
from tests.loopback_servers import SilentServer

SECRET = "s" * 32
BASE = "https://node.example"


@pytest.fixture
def canary():
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def public_example(monkeypatch):
    """example.com resolves to a public address (this machine may have no DNS), so only
    the guard's reading of the URL can refuse what follows."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if isinstance(host, str) and host.lower() == "example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port or 443))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    key_fetch.GATE.reset()


def disguises(port: int) -> list[str]:
    return [f"https://127.0.0.1:{port}\\@example.com/users/x", f"https://example.com@127.0.0.1:{port}/users/x",
            f"https://[::ffff:127.0.0.1]:{port}/users/x", f"https://2130706433:{port}/users/x"]


@pytest.fixture(scope="module")
def keypair():
    return generate_rsa_keypair()


def settings(db, infra, **overrides) -> dict:
    return {"mongodb_uri": infra.mongodb_uri, "db_name": db, "dev_mode": False, "internal_secret": SECRET,
            "base_url": BASE, "group_registry": "", "key_fetch_timeout": 1.0, **overrides}


def store_keys(keypair, *actors):
    for actor in actors:
        keystore.store_key(actor, actor + "#main-key", *keypair)


def test_a_signature_keyid_cannot_reach_a_private_address(db, infra, canary, keypair):
    from gateway.app import create_app

    store_keys(keypair, f"{BASE}/actor")
    port = canary.port
    # The allowlist names 127.0.0.1 (its default https port): another port is not named.
    client = create_app(settings(db, infra, fetch_allowlist=("127.0.0.1",))).test_client()
    for url in disguises(port) + [f"https://127.0.0.1:{port}/users/x"]:
        body = json.dumps({"type": "Like", "id": "https://example.com/l/1", "actor": url}).encode()
        headers = {"Content-Type": "application/activity+json"}
        headers.update(httpsig.sign_request("POST", f"{BASE}/inbox", key_id=url + "#main-key",
                                            private_key_pem=keypair[0], body=body))
        resp = client.post("/inbox", data=body, headers=headers, base_url=BASE)
        assert resp.status_code == 401 and resp.json["error"] == "key_unknown", url
    assert canary.accepted == []


def test_a_delivery_to_a_disguised_inbox_fails_without_connecting(db, canary, keypair):
    from services.outbox import delivery as dl
    from services.outbox.models import Delivery, OutboxActivity

    actor = f"{BASE}/actor"
    store_keys(keypair, actor)
    raw = {"id": f"{BASE}/activities/1", "type": "Follow", "actor": actor, "object": "https://example.com/users/x"}
    OutboxActivity(activity_id=raw["id"], actor=actor, activity_type="Follow", raw=raw).save()
    config = Config(base_url=BASE, dev_mode=False)
    for inbox in disguises(canary.port):
        # an inbox as a remote actor document names it (CachedActor.inbox → one Delivery)
        dl.create_deliveries(raw["id"], actor, [inbox.replace("/users/x", "/inbox")])
    for delivery in Delivery.objects():
        assert dl.deliver(str(delivery.id), config) == dl.FAILED
        assert Delivery.objects.get(id=delivery.id).last_error.startswith("unsafe_url")
    assert canary.accepted == []


def outbox(db, infra, keypair, **overrides):
    from services.outbox.app import create_app

    store_keys(keypair, f"{BASE}/users/alice")
    app = create_app(settings(db, infra, **overrides), broker=object())
    return app.test_client()


def proxy(client, url: str):
    return client.post("/proxy", data={"id": url}, headers={INTERNAL: SECRET, USER: "alice", SCOPES: "read"})


def test_the_proxy_cannot_reach_a_private_address(db, infra, canary, keypair):
    client = outbox(db, infra, keypair)
    for url in disguises(canary.port):
        resp = proxy(client, url)
        assert resp.status_code == 400 and resp.json["error"] == "unsafe_url", url
    assert canary.accepted == []


class Documents(http.server.BaseHTTPRequestHandler):
    """Serves /<name> from ``DOCUMENTS[name] = (status, content type, body)``."""

    def do_GET(self):  # noqa: N802
        status, content_type, body = DOCUMENTS[self.path.strip("/")]
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


NOTE = {"@context": "https://www.w3.org/ns/activitystreams", "id": "x", "type": "Note", "content": "hi"}
DOCUMENTS = {
    "note": (200, "application/activity+json; charset=utf-8", NOTE),
    "ld": (200, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
           {**NOTE, "@context": ["https://www.w3.org/ns/activitystreams", {"toot": "http://joinmastodon.org/ns#"}]}),
    "tombstone": (410, "application/activity+json", {**NOTE, "type": "Tombstone"}),
    "plain-json": (200, "application/json", {"version": "2.1", "software": {"name": "x"}}),
    "ld-no-profile": (200, "application/ld+json", NOTE),
    "no-context": (200, "application/activity+json", {"id": "x", "type": "Note"}),
    "no-type": (200, "application/activity+json", {"@context": "https://www.w3.org/ns/activitystreams"}),
    "other-context": (200, "application/activity+json", {**NOTE, "@context": "https://schema.org"}),
    "array": (200, "application/activity+json", [NOTE]),
    "html": (200, "text/html", b"<html>admin</html>"),
    "gone-html": (410, "text/html", b"gone"),
}


@pytest.fixture
def documents():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Documents)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_proxy_relays_only_activitystreams_documents(db, infra, keypair, documents):
    # The origin is allowlisted by scheme, host and port (a loopback test server).
    client = outbox(db, infra, keypair, fetch_allowlist=(documents,))
    for name in ("note", "ld"):
        resp = proxy(client, f"{documents}/{name}")
        assert resp.status_code == 200 and resp.json["content"] == "hi", name
        assert resp.headers["Content-Type"].startswith("application/activity+json")
    assert proxy(client, f"{documents}/tombstone").status_code == 410
    assert proxy(client, f"{documents}/gone-html").json["error"] == "gone"
    for name in ("plain-json", "ld-no-profile", "no-context", "no-type", "other-context", "array"):
        resp = proxy(client, f"{documents}/{name}")
        assert (resp.status_code, resp.json["error"]) == (502, "not_activitystreams"), name
    assert proxy(client, f"{documents}/html").json["error"] == "malformed_json"
