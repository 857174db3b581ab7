"""A delivery signed for another server cannot be replayed here (draft-cavage).

Within the hour a signed Date is accepted, whoever received a delivery (a partner's
server, any peer) holds a valid signature. It proves nothing to de unless it names de:
the signature must cover ``host`` (POSTs too, not only GETs), and the host it covers is
de's own authority, not whatever Host header the replayer sends.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from fedkit.protocol import httpsig


@pytest.fixture(scope="module")
def alice_key(group):
    fr = group["fr"]
    doc = fr.db.actor_keys.find_one({"_id": fr.actor("alice")})
    return doc["key_id"], doc["private_pem"]


def like(fr, de) -> bytes:
    return json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "type": "Like",
                       "id": f"{fr.actor('alice')}#likes/{uuid.uuid4().hex}", "actor": fr.actor("alice"),
                       "object": de.actor("bob"), "to": [de.actor("bob")]}).encode()


def signed_for(url: str, body: bytes, key, covered: tuple[str, ...]) -> dict:
    """Headers of a POST to ``url`` signed over ``covered`` (as another server received it)."""
    key_id, pem = key
    made = httpsig.sign_request("POST", url, key_id=key_id, private_key_pem=pem, body=body)
    _, host, path, _ = httpsig.split_url(url)
    values = {"host": host, "date": made["Date"], "digest": made["Digest"]}
    string = httpsig.cavage_signing_string("POST", path, values, covered)
    signature = httpsig.sign_cavage_signing_string(string, pem)
    return {"Content-Type": "application/activity+json", "Host": host, "Date": made["Date"],
            "Digest": made["Digest"],
            "Signature": f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
                         f'signature="{signature}"'}


def test_a_post_signed_for_another_server_is_refused(group, alice_key):
    fr, de = group["fr"], group["de"]
    inbox = f"{de.base}/inbox"
    elsewhere = "https://partner.example/inbox"  # same path, another server

    # Replayed with the other server's Host header: the signature covers host, but not de's.
    body = like(fr, de)
    resp = requests.post(inbox, data=body, headers=signed_for(elsewhere, body, alice_key,
                                                               ("(request-target)", "host", "date", "digest")))
    assert resp.status_code == 401 and resp.json()["error"] == "signature_invalid"

    # A signature that does not cover host at all could be meant for any server.
    body = like(fr, de)
    headers = signed_for(elsewhere, body, alice_key, ("(request-target)", "date", "digest"))
    headers.pop("Host")
    resp = requests.post(inbox, data=body, headers=headers)
    assert resp.status_code == 401 and resp.json()["error"] == "host_unsigned"

    # The same delivery signed for de itself is accepted.
    body = like(fr, de)
    resp = requests.post(inbox, data=body, headers=signed_for(inbox, body, alice_key,
                                                               ("(request-target)", "host", "date", "digest")))
    assert resp.status_code == 202
