"""What a stranger can make a node fetch: keys from a server that never answers, and
documents that are not ActivityPub's, through real nodes over real HTTP.

The slow-key attack: signed requests whose keyId points at loopback sockets that accept
and never answer, many at once, against de's real gateway (2 gunicorn processes × 8
threads). Before the key fetches were bounded, 20 such requests held every thread for
20–40 s and NodeInfo took 19 s. The bound asserted here — NodeInfo and a valid delivery
from a known actor each answered within 5 s while the attack is in flight — is generous
on purpose (a noisy 2-core machine answers them in well under a second); what it rules
out is waiting for the attack's fetches to time out.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from fedkit.protocol import httpsig
from fedkit.protocol.keys import generate_rsa_keypair
from tests.loopback_servers import SilentServer
from tests.plugin import wait_until

ATTACK_REQUESTS = 40
SILENT_PORTS = 20
BOUND = 5.0


def signed(url: str, body: bytes, key_id: str, private_pem: str) -> dict:
    headers = {"Content-Type": "application/activity+json"}
    headers.update(httpsig.sign_request("POST", url, key_id=key_id, private_key_pem=private_pem, body=body))
    return headers


def like(actor: str, target: str) -> bytes:
    return json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "type": "Like",
                       "id": f"{actor}#likes/{uuid.uuid4().hex}", "actor": actor, "object": target,
                       "to": [target]}).encode()


@pytest.fixture(scope="module")
def alice_key(group):
    fr = group["fr"]
    doc = fr.db.actor_keys.find_one({"_id": fr.actor("alice")})
    return doc["key_id"], doc["private_pem"]


def test_keys_that_never_come_do_not_hold_the_gateway(group, alice_key):
    fr, de = group["fr"], group["de"]
    inbox = f"{de.base}/inbox"

    def alice_delivers() -> tuple[int, float]:
        body = like(fr.actor("alice"), de.actor("bob"))
        started = time.monotonic()
        resp = requests.post(inbox, data=body, headers=signed(inbox, body, *alice_key), timeout=60)
        return resp.status_code, time.monotonic() - started

    assert alice_delivers()[0] == 202  # de knows alice's key: the steady state

    silent = SilentServer(SILENT_PORTS)
    stranger_pem = generate_rsa_keypair()[0]
    finished: list[float] = []
    lock = threading.Lock()

    def attack(i: int) -> requests.Response:
        actor = f"http://127.0.0.1:{silent.ports[i % SILENT_PORTS]}/users/x{i}"
        body = like(actor, de.actor("bob"))
        try:
            return requests.post(inbox, data=body, headers=signed(inbox, body, actor + "#main-key", stranger_pem),
                                 timeout=120)
        finally:
            with lock:
                finished.append(time.monotonic())

    try:
        with ThreadPoolExecutor(ATTACK_REQUESTS) as pool:
            futures = [pool.submit(attack, i) for i in range(ATTACK_REQUESTS)]
            wait_until(lambda: silent.accepted, timeout=30, interval=0.02, message="the gateway to fetch a key")
            started = time.monotonic()
            nodeinfo = requests.get(f"{de.base}/nodeinfo/2.1", timeout=60)
            nodeinfo_took = time.monotonic() - started
            delivery_status, delivery_took = alice_delivers()
            answered_at = time.monotonic()
            with lock:
                in_flight = ATTACK_REQUESTS - len(finished)
            answers = [f.result() for f in futures]
        assert nodeinfo.status_code == 200 and nodeinfo_took < BOUND, nodeinfo_took
        assert delivery_status == 202 and delivery_took < BOUND, delivery_took
        # it was measured while the attack was still being served
        assert in_flight > 0 or max(finished) > answered_at - delivery_took
        # every attack request was refused: 503 + Retry-After (busy, or the key's host did not answer)
        assert {r.status_code for r in answers} == {503}
        assert all(int(r.headers["Retry-After"]) > 0 for r in answers)
        assert {r.json()["error"] for r in answers} <= {"key_fetch_busy", "key_host_unreachable"}
    finally:
        silent.close()


def test_the_proxy_relays_only_activitystreams_documents(group):
    fr, de = group["fr"], group["de"]
    actor = fr.proxy_fetch("alice", de.actor("bob"))
    assert actor.status_code == 200 and actor.json()["id"] == de.actor("bob")
    # de's NodeInfo is JSON, but not an ActivityStreams document: not relayed
    nodeinfo = fr.proxy_fetch("alice", f"{de.base}/nodeinfo/2.1")
    assert nodeinfo.status_code == 502 and nodeinfo.json()["error"] == "not_activitystreams"
