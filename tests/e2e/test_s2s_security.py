"""Server-to-server input at the gateway: signatures, replays, bad and odd bodies.

The test signs as alice@fr with her real key (read from fr's key vault, as fr's
own outbox would) and talks to de over real HTTP.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import uuid

import pytest
import requests

from fedkit.protocol import httpsig
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def alice_key(group):
    fr = group["fr"]
    doc = fr.db.actor_keys.find_one({"_id": fr.actor("alice")})
    return doc["key_id"], doc["private_pem"]


def like_of(fr, de, target=None):
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": "Like",
            "id": f"{fr.actor('alice')}#likes/{uuid.uuid4().hex}", "actor": fr.actor("alice"),
            "object": target or f"{de.actor('bob')}", "to": [de.actor("bob")]}


def signed_post(url, body: bytes, key, **kwargs):
    key_id, pem = key
    headers = {"Content-Type": "application/activity+json"}
    headers.update(httpsig.sign_request("POST", url, key_id=key_id, private_key_pem=pem, body=body, **kwargs))
    return headers


def test_valid_delivery_is_accepted_and_a_replay_has_no_second_effect(group, alice_key):
    fr, de = group["fr"], group["de"]
    body = json.dumps(like_of(fr, de)).encode()
    url = f"{de.base}/inbox"
    headers = signed_post(url, body, alice_key)
    first = requests.post(url, data=body, headers=headers)
    assert first.status_code == 202
    replay = requests.post(url, data=body, headers=headers)
    assert replay.status_code == 202
    activity_id = json.loads(body)["id"]
    wait_until(lambda: de.db.inbound_activities.find_one({"_id": activity_id, "state": {"$ne": "received"}}),
               message="the Like to be processed")
    assert de.db.inbound_activities.count_documents({"_id": activity_id}) == 1


def test_signature_problems_are_refused_with_401(group, alice_key):
    fr, de = group["fr"], group["de"]
    url = f"{de.base}/users/bob/inbox"
    body = json.dumps(like_of(fr, de)).encode()

    def post(headers, data=body):
        resp = requests.post(url, data=data, headers=headers)
        return resp.status_code, resp.json().get("error")

    assert post({"Content-Type": "application/activity+json"}) == (401, "signature_missing")

    bad = signed_post(url, body, alice_key)
    sig = bad["Signature"]
    start = sig.index('signature="') + len('signature="')
    bad["Signature"] = sig[:start] + ("A" if sig[start] != "A" else "B") + sig[start + 1:]
    assert post(bad) == (401, "signature_invalid")

    stale = signed_post(url, body, alice_key, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    assert post(stale) == (401, "date_stale")

    tampered = signed_post(url, body, alice_key)
    assert post(tampered, data=body.replace(b"Like", b"Undo")) == (401, "digest_mismatch")

    # A signature that does not cover the Digest header proves nothing about the body.
    key_id, pem = alice_key
    headers = {"Host": de.host, "Date": email.utils.formatdate(usegmt=True),
               "Digest": httpsig.body_digest_header(body), "Content-Type": "application/activity+json"}
    string = httpsig.cavage_signing_string("POST", "/users/bob/inbox", headers, ["(request-target)", "host", "date"])
    headers["Signature"] = (f'keyId="{key_id}",algorithm="rsa-sha256",headers="(request-target) host date",'
                            f'signature="{httpsig.sign_cavage_signing_string(string, pem)}"')
    assert post(headers) == (401, "digest_unsigned")

    unknown_key = signed_post(url, body, (f"{fr.base}/users/nobody#main-key", pem))
    assert post(unknown_key) == (401, "key_unknown")


def test_actor_must_be_the_signer(group, alice_key):
    fr, de = group["fr"], group["de"]
    activity = like_of(fr, de)
    activity["actor"] = fr.actor("alain")
    body = json.dumps(activity).encode()
    url = f"{de.base}/inbox"
    resp = requests.post(url, data=body, headers=signed_post(url, body, alice_key))
    assert resp.status_code == 403 and resp.json()["error"] == "actor_mismatch"
    assert de.db.inbound_activities.count_documents({"_id": activity["id"]}) == 0


def test_malformed_oversized_and_unknown_bodies(group, alice_key):
    fr, de = group["fr"], group["de"]
    url = f"{de.base}/inbox"
    body = b'{"type": "Like", "actor": '
    resp = requests.post(url, data=body, headers=signed_post(url, body, alice_key))
    assert resp.status_code == 400 and resp.json()["error"] == "malformed_json"

    big = json.dumps({**like_of(fr, de), "content": "x" * 300_000}).encode()
    resp = requests.post(url, data=big, headers=signed_post(url, big, alice_key))
    assert resp.status_code == 413 and resp.json()["error"] == "body_too_large"

    odd = {**like_of(fr, de), "type": "Wave"}
    body = json.dumps(odd).encode()
    resp = requests.post(url, data=body, headers=signed_post(url, body, alice_key))
    assert resp.status_code == 202
    stored = wait_until(lambda: de.db.inbound_activities.find_one({"_id": odd["id"], "state": "ignored"}),
                        message="the unknown activity to be stored and marked ignored")
    assert stored["raw"] == odd

    no_inbox = f"{de.base}/users/nobody/inbox"
    body = json.dumps(like_of(fr, de)).encode()
    resp = requests.post(no_inbox, data=body, headers=signed_post(no_inbox, body, alice_key))
    assert resp.status_code == 404


def test_identity_headers_from_outside_are_ignored(group):
    de = group["de"]
    resp = requests.get(f"{de.actor('bob')}/inbox?page=true",
                        headers={"X-Archipel-User": "bob", "X-Archipel-Internal": "guess"})
    assert resp.status_code == 401


@pytest.mark.parametrize("path", ["/communities/../internal/stats", "/communities/%2e%2e/internal/stats",
                                  "/users/alice%3Fx/outbox", "/communities/..%2finternal"])
def test_paths_that_could_change_meaning_are_refused(group, path):
    de = group["de"]
    resp = requests.get(de.base + path)
    assert resp.status_code == 404 and resp.json()["error"] == "not_found"

