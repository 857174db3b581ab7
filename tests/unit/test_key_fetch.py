"""Key resolution at the gateway cannot be used to hold it (fedkit/protocol/key_fetch.py).

The gateway runs in-process (Flask test client, a real database); the remote key servers
are real sockets on loopback: one that accepts and never answers, one that answers 404.
"""

from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from fedkit.protocol import httpsig, key_fetch
from fedkit.protocol.key_fetch import KeyFetchGate, KeyFetchRefused
from fedkit.protocol.keys import generate_rsa_keypair
from fedkit.runtime.config import Config
from tests.loopback_servers import SilentServer

SECRET = "s" * 32
BASE = "http://gw.test"


@pytest.fixture(scope="module")
def stranger_key():
    return generate_rsa_keypair()[0]


@pytest.fixture(autouse=True)
def fresh_gate():
    key_fetch.GATE.reset()
    yield
    key_fetch.GATE.reset()


def gateway(db, infra, **overrides):
    """The gateway of node gw.test (its instance actor signs the key fetches)."""
    from fedkit.runtime import keystore
    from gateway.app import create_app

    private_pem, public_pem = generate_rsa_keypair()
    keystore.store_key(f"{BASE}/actor", f"{BASE}/actor#main-key", private_pem, public_pem)
    config = {"mongodb_uri": infra.mongodb_uri, "db_name": db, "dev_mode": True, "internal_secret": SECRET,
              "base_url": BASE, "group_registry": "", "key_fetch_timeout": 0.5, **overrides}
    return create_app(config).test_client()


def signed_delivery(client, key_id: str, private_pem: str, path: str = "/inbox"):
    body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "type": "Like",
                       "id": f"{key_id}/likes/1", "actor": key_id.split("#")[0], "object": f"{BASE}/users/a"}).encode()
    headers = {"Content-Type": "application/activity+json"}
    headers.update(httpsig.sign_request("POST", BASE + path, key_id=key_id, private_key_pem=private_pem, body=body))
    started = time.monotonic()
    resp = client.post(path, data=body, headers=headers, base_url=BASE)
    return resp, time.monotonic() - started


def test_a_key_server_that_never_answers_is_tried_once_briefly_then_refused_at_once(db, infra, stranger_key):
    silent = SilentServer()
    try:
        client = gateway(db, infra)
        key_id = f"http://127.0.0.1:{silent.port}/users/x#main-key"
        first, took = signed_delivery(client, key_id, stranger_key)
        # One fetch with the short key timeout (0.5 s here), not the 10 s HTTP timeout twice.
        assert first.status_code == 503 and first.json["error"] == "key_host_unreachable"
        assert int(first.headers["Retry-After"]) > 0
        assert took < 5, took
        assert len(silent.accepted) == 1
        # The host did not answer: nothing more is fetched from it for a while, any key.
        again, took = signed_delivery(client, f"http://127.0.0.1:{silent.port}/users/y#main-key", stranger_key)
        assert again.status_code == 503 and took < 0.5, took
        assert len(silent.accepted) == 1
    finally:
        silent.close()


class Gone(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802
        Gone.hits += 1
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_refused_key_is_not_refetched_for_a_while(db, infra, stranger_key):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gone)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Gone.hits = 0
    try:
        client = gateway(db, infra)
        key_id = f"http://127.0.0.1:{server.server_address[1]}/users/x#main-key"
        for _ in range(3):
            resp, _took = signed_delivery(client, key_id, stranger_key)
            assert resp.status_code == 401 and resp.json["error"] == "key_unknown"
        assert Gone.hits == 1  # not once per request, not twice (fetch + "refresh")
    finally:
        server.shutdown()
        server.server_close()


def test_fetch_slots_per_host_and_in_all_never_wait():
    gate = KeyFetchGate()
    config = Config(key_fetch_concurrency=3, key_fetch_per_host=2, key_fetch_timeout=2)
    with gate.slot("https://a.example/k", config), gate.slot("https://a.example/j", config):
        with pytest.raises(KeyFetchRefused) as busy:
            with gate.slot("https://a.example/i", config):
                pass
        assert busy.value.code == "key_fetch_busy" and busy.value.retry_after == 4
        with gate.slot("https://b.example/k", config):
            with pytest.raises(KeyFetchRefused):
                with gate.slot("https://c.example/k", config):
                    pass
    # every slot is given back, also after a refusal
    with gate.slot("https://a.example/k", config), gate.slot("https://a.example/j", config), \
            gate.slot("https://c.example/k", config):
        pass


def test_remembered_failures_expire():
    now = [100.0]
    gate = KeyFetchGate(clock=lambda: now[0])
    config = Config(key_fetch_failure_seconds=60)
    gate.failed("https://a.example/users/x#k", config, host_down=False)
    gate.failed("https://b.example/users/x#k", config, host_down=True)
    assert gate.known_bad("https://a.example/users/x#k") and not gate.known_bad("https://a.example/users/y#k")
    with pytest.raises(KeyFetchRefused) as down:
        gate.known_bad("https://b.example/users/other#k")
    assert down.value.retry_after == 60
    now[0] += 61
    assert not gate.known_bad("https://a.example/users/x#k")
    assert not gate.known_bad("https://b.example/users/other#k")
