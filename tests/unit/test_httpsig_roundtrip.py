"""fedkit.protocol.httpsig round trips: Archipel signs, Archipel verifies, and every policy rule refuses."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from fedkit.protocol.httpsig import (
    VerifiedSignature,
    body_digest_header,
    cavage_signing_string,
    parse_cavage_signature,
    sign_cavage_signing_string,
    sign_request,
    signature_key_id,
    verify_request,
)
from tests.unit.httpsig_support import (
    BODY,
    INBOX,
    KID,
    NOW,
    Resolver,
    expect,
    load,
    pem_pair,
    signed_post,
)


def test_sign_request_headers(alice):
    h = signed_post(alice[0])
    assert h["Host"] == "b.example:8443"
    assert h["Date"] == "Sat, 01 Mar 2025 12:00:00 GMT"
    assert h["Digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode()
    assert h["Content-Type"] == "application/activity+json"
    p = parse_cavage_signature(h)
    assert (p.key_id, p.algorithm) == (KID, "rsa-sha256")
    assert p.headers == ("(request-target)", "host", "date", "digest")
    g = sign_request(
        "GET", "https://b.example/users/bob?page=1", key_id=KID, private_key_pem=alice[0], now=NOW
    )
    assert "Digest" not in g and g["Host"] == "b.example"
    assert parse_cavage_signature(g).headers == ("(request-target)", "host", "date")
    s = cavage_signing_string("GET", "/users/bob?page=1", g, parse_cavage_signature(g).headers)
    assert s.startswith("(request-target): get /users/bob?page=1\nhost: b.example\n")


def test_round_trip_post_and_get(alice):
    r = Resolver(alice[1])
    result = verify_request("POST", INBOX, signed_post(alice[0]), BODY, resolve_key=r, now=NOW)
    assert result == VerifiedSignature(
        KID, "cavage", "rsa-sha256", ("(request-target)", "host", "date", "digest")
    )
    url = "https://b.example/users/bob/outbox?page=true"
    g = sign_request("GET", url, key_id=KID, private_key_pem=alice[0], now=NOW)
    assert (
        verify_request("GET", url, g, None, resolve_key=r, now=NOW + timedelta(minutes=59)).key_id
        == KID
    )
    assert r.calls == [(KID, False), (KID, False)]


def test_headers_any_case_and_werkzeug(alice):
    werkzeug = pytest.importorskip("werkzeug.datastructures")
    h = signed_post(alice[0])
    lower = {k.lower(): v for k, v in h.items()}
    upper = {k.upper(): v for k, v in h.items()}
    for variant in (lower, upper, werkzeug.Headers(list(h.items()))):
        assert (
            verify_request(
                "POST", INBOX, variant, BODY, resolve_key=Resolver(alice[1]), now=NOW
            ).key_id
            == KID
        )


def test_tampered_body(alice):
    r = Resolver(alice[1])
    expect(
        "digest_mismatch", "POST", INBOX, signed_post(alice[0]), BODY + b" ", resolver=r, now=NOW
    )
    assert r.calls == []


def test_wrong_method_and_url(alice):
    h = signed_post(alice[0])
    expect("signature_invalid", "PUT", INBOX, h, BODY, resolver=Resolver(alice[1]), now=NOW)
    expect(
        "signature_invalid",
        "POST",
        INBOX.replace("bob", "eve"),
        h,
        BODY,
        resolver=Resolver(alice[1]),
        now=NOW,
    )
    expect(
        "signature_invalid",
        "POST",
        INBOX,
        {**h, "Host": "evil.example"},
        BODY,
        resolver=Resolver(alice[1]),
        now=NOW,
    )


@pytest.mark.parametrize("delta", [timedelta(hours=-2), timedelta(hours=2)])
def test_stale_date(alice, delta):
    r = Resolver(alice[1])
    expect("date_stale", "POST", INBOX, signed_post(alice[0]), BODY, resolver=r, now=NOW + delta)
    assert r.calls == []
    # inside the window it is accepted; max_skew is honoured
    assert verify_request(
        "POST", INBOX, signed_post(alice[0]), BODY, resolve_key=r, now=NOW + delta / 3
    )
    expect(
        "date_stale",
        "POST",
        INBOX,
        signed_post(alice[0]),
        BODY,
        resolver=r,
        now=NOW + delta / 3,
        max_skew=60,
    )


def test_missing_or_unsigned_digest(alice):
    h = signed_post(alice[0])
    no_digest = {k: v for k, v in h.items() if k != "Digest"}
    expect("digest_missing", "POST", INBOX, no_digest, BODY, resolver=Resolver(alice[1]), now=NOW)
    unsigned = sign_request(
        "POST", INBOX, key_id=KID, private_key_pem=alice[0], now=NOW
    )  # body None
    unsigned["Digest"] = body_digest_header(BODY)
    expect("digest_unsigned", "POST", INBOX, unsigned, BODY, resolver=Resolver(alice[1]), now=NOW)


def test_sha512_digest_accepted(alice):
    digest = "SHA-512=" + base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    h = {"Host": "b.example:8443", "Date": "Sat, 01 Mar 2025 12:00:00 GMT", "Digest": digest}
    covered = ("(request-target)", "host", "date", "digest")
    s = cavage_signing_string("POST", "/users/bob/inbox", h, covered)
    h["Signature"] = (
        f'keyId="{KID}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
        f'signature="{sign_cavage_signing_string(s, alice[0])}"'
    )
    assert (
        verify_request("POST", INBOX, h, BODY, resolve_key=Resolver(alice[1]), now=NOW).key_id
        == KID
    )
    expect("digest_mismatch", "POST", INBOX, h, BODY[:-1], resolver=Resolver(alice[1]), now=NOW)


def test_unknown_key(alice):
    r = Resolver(None, None)
    expect("key_unknown", "POST", INBOX, signed_post(alice[0]), BODY, resolver=r, now=NOW)
    assert r.calls == [(KID, False), (KID, True)]


def test_key_fetched_when_not_cached(alice):
    r = Resolver(None, alice[1])
    assert (
        verify_request("POST", INBOX, signed_post(alice[0]), BODY, resolve_key=r, now=NOW).key_id
        == KID
    )
    assert r.calls == [(KID, False), (KID, True)]


def test_rotated_key_refetched_once(alice, alice_new):
    r = Resolver(alice[1], alice_new[1])
    assert (
        verify_request(
            "POST", INBOX, signed_post(alice_new[0]), BODY, resolve_key=r, now=NOW
        ).key_id
        == KID
    )
    assert r.calls == [(KID, False), (KID, True)]
    other = pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    r = Resolver(alice[1], alice_new[1])
    expect("signature_invalid", "POST", INBOX, signed_post(other[0]), BODY, resolver=r, now=NOW)
    assert r.calls == [(KID, False), (KID, True)]


def test_algorithms(alice):
    h = signed_post(alice[0])
    hs = {**h, "Signature": h["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')}
    assert (
        verify_request("POST", INBOX, hs, BODY, resolve_key=Resolver(alice[1]), now=NOW).algorithm
        == "hs2019"
    )
    for bad in ("rsa-sha1", "hmac-sha256"):
        b = {
            **h,
            "Signature": h["Signature"].replace('algorithm="rsa-sha256"', f'algorithm="{bad}"'),
        }
        r = Resolver(alice[1])
        expect("algorithm_unsupported", "POST", INBOX, b, BODY, resolver=r, now=NOW)
        assert r.calls == []


def test_hs2019_ed25519_and_created():
    key = ed25519.Ed25519PrivateKey.generate()
    priv, pub = pem_pair(key)
    created = int(NOW.timestamp())
    h = {"Host": "b.example"}
    covered = ("(request-target)", "(created)", "host")
    s = cavage_signing_string("GET", "/users/bob", h, covered, created=created)
    sig = base64.b64encode(key.sign(s.encode())).decode()
    h["Signature"] = (
        f'keyId="{KID}",algorithm="hs2019",created={created},headers="{" ".join(covered)}",signature="{sig}"'
    )
    url = "https://b.example/users/bob"
    assert (
        verify_request("GET", url, h, None, resolve_key=Resolver(pub), now=NOW).covered == covered
    )
    expect("date_stale", "GET", url, h, None, resolver=Resolver(pub), now=NOW + timedelta(days=1))


def test_policy_rejections(alice):
    url = "https://b.example/users/bob"

    def custom(covered, method="GET", **extra):
        h = {"Host": "b.example", "Date": "Sat, 01 Mar 2025 12:00:00 GMT", **extra}
        s = cavage_signing_string(method, "/users/bob", h, covered)
        h["Signature"] = (
            f'keyId="{KID}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
            f'signature="{sign_cavage_signing_string(s, alice[0])}"'
        )
        return h

    r = Resolver(alice[1])
    expect(
        "host_unsigned", "GET", url, custom(("(request-target)", "date")), None, resolver=r, now=NOW
    )
    expect(
        "request_target_unsigned", "GET", url, custom(("host", "date")), None, resolver=r, now=NOW
    )
    expect(
        "date_unsigned", "GET", url, custom(("(request-target)", "host")), None, resolver=r, now=NOW
    )
    # A POST must sign host too: else a delivery to any server could be replayed to this one.
    body = b'{"type": "Like"}'
    post = custom(("(request-target)", "date", "digest"), "POST", Digest=body_digest_header(body))
    expect("host_unsigned", "POST", url, post, body, resolver=r, now=NOW)
    assert r.calls == []
    ok = custom(("(request-target)", "host", "date"))
    assert verify_request("GET", url, ok, None, resolve_key=r, now=NOW).covered == (
        "(request-target)",
        "host",
        "date",
    )
    expect(
        "header_missing",
        "GET",
        url,
        {k: v for k, v in ok.items() if k != "Date"},
        None,
        resolver=r,
        now=NOW,
    )
    expect("signature_missing", "GET", url, {"Host": "b.example"}, None, resolver=r, now=NOW)
    expect(
        "signature_malformed", "GET", url, {**ok, "Signature": "garbage"}, None, resolver=r, now=NOW
    )
    expect(
        "signature_malformed",
        "GET",
        url,
        {**ok, "Signature": 'keyId="x",headers="date"'},
        None,
        resolver=r,
        now=NOW,
    )
    expired = {**ok, "Signature": ok["Signature"] + f",expires={int(NOW.timestamp()) - 1}"}
    expect("date_stale", "GET", url, expired, None, resolver=r, now=NOW)


def test_authorization_header_and_multi_valued(alice):
    h = signed_post(alice[0])
    auth = {k: v for k, v in h.items() if k != "Signature"}
    auth["Authorization"] = "Signature " + h["Signature"]
    assert (
        verify_request("POST", INBOX, auth, BODY, resolve_key=Resolver(alice[1]), now=NOW).key_id
        == KID
    )
    # a covered header sent twice is signed as "a, b"
    pairs = [
        ("Host", "b.example"),
        ("Date", "Sat, 01 Mar 2025 12:00:00 GMT"),
        ("X-A", "1"),
        ("x-a", "2"),
    ]
    covered = ("(request-target)", "host", "date", "x-a")
    s = cavage_signing_string("GET", "/", pairs, covered)
    assert s.endswith("\nx-a: 1, 2")
    pairs.append(
        (
            "Signature",
            f'keyId="{KID}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
            f'signature="{sign_cavage_signing_string(s, alice[0])}"',
        )
    )
    assert verify_request(
        "GET", "https://b.example/", pairs, None, resolve_key=Resolver(alice[1]), now=NOW
    )


def test_signature_key_id(alice):
    h = signed_post(alice[0])
    assert signature_key_id(h) == KID
    assert signature_key_id({"authorization": "Signature " + h["Signature"]}) == KID
    assert signature_key_id({"Authorization": "Bearer abc", "Host": "x"}) is None
    case = load("rfc9421_appendix_b.json")["cases"][0]
    assert (
        signature_key_id(
            {"Signature-Input": case["signature_input"], "Signature": case["signature"]}
        )
        == case["keyid"]
    )
