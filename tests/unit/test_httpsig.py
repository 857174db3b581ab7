"""Tests for fedkit.httpsig against the shared spec/interop vectors (../shared/vectors)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from fedkit.httpsig import (
    SignatureError,
    VerifiedSignature,
    body_digest_header,
    cavage_signing_string,
    check_content_digest,
    parse_cavage_signature,
    parse_rfc9421_signatures,
    rfc9421_signature_base,
    sign_cavage_signing_string,
    sign_request,
    sign_rfc9421_base,
    signature_key_id,
    verify_cavage_signature,
    verify_cavage_signing_string,
    verify_request,
    verify_rfc9421_base,
    verify_rfc9421_signature,
)


def _vectors_dir() -> Path:
    env = os.environ.get("ARCHIPEL_VECTORS_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "vectors"


def _load(name: str) -> dict:
    path = _vectors_dir() / name
    if not path.exists():
        pytest.fail(f"test vectors not found: {path} (set ARCHIPEL_VECTORS_DIR)")
    return json.loads(path.read_text(encoding="utf-8"))


CAVAGE = _load("cavage_appendix_c.json")
MASTODON = _load("mastodon_cavage_cases.json")
RFC9421 = _load("rfc9421_appendix_b.json")


def _ts(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


# --------------------------------------------------------------------------- draft-cavage appendix C

C_REQ = CAVAGE["request"]
C_URL = "http://" + dict(C_REQ["headers"])["Host"] + C_REQ["path"]


def _c_headers(case: dict, *, authorization: bool = False) -> list[tuple[str, str]]:
    extra = (
        ("Authorization", case["authorization_header"])
        if authorization
        else ("Signature", case["signature_header"])
    )
    return [*map(tuple, C_REQ["headers"]), extra]


@pytest.mark.parametrize("case", CAVAGE["cases"], ids=lambda c: c["name"])
def test_cavage_appendix_c_signing_string(case):
    params = parse_cavage_signature(_c_headers(case))
    assert params.key_id == CAVAGE["key"]["keyId"]
    assert params.headers == tuple(case["headers"])
    assert params.headers_param_present is case["headers_param_present"]
    assert (
        cavage_signing_string(C_REQ["method"], C_REQ["path"], C_REQ["headers"], params.headers)
        == case["signing_string"]
    )


@pytest.mark.parametrize("case", CAVAGE["cases"], ids=lambda c: c["name"])
def test_cavage_appendix_c_resign_is_byte_identical(case):
    assert (
        sign_cavage_signing_string(case["signing_string"], CAVAGE["key"]["private_pem_pkcs1"])
        == case["signature"]
    )


@pytest.mark.parametrize("authorization", [False, True], ids=["Signature", "Authorization"])
@pytest.mark.parametrize("case", CAVAGE["cases"], ids=lambda c: c["name"])
def test_cavage_appendix_c_low_level_verify(case, authorization):
    headers = _c_headers(case, authorization=authorization)
    pem = CAVAGE["key"]["public_pem"]
    assert verify_cavage_signature(C_REQ["method"], C_REQ["path"], headers, pem) is True
    # a different method only matters when (request-target) is covered (C.1 signs just date)
    method_unsigned = "(request-target)" not in case["headers"]
    assert verify_cavage_signature("PUT", C_REQ["path"], headers, pem) is method_unsigned
    tampered = [(k, "Mon, 06 Jan 2014 21:31:40 GMT" if k == "Date" else v) for k, v in headers]
    assert verify_cavage_signature(C_REQ["method"], C_REQ["path"], tampered, pem) is False
    assert signature_key_id(headers) == CAVAGE["key"]["keyId"]


def test_cavage_appendix_c_digest_matches_body():
    assert body_digest_header(C_REQ["body"].encode()) == dict(C_REQ["headers"])["Digest"]


def test_cavage_draft12_c3_erratum():
    """draft-12 prints C.3 with (created)/(expires) but keeps the -10 signature: it must not verify."""
    erratum = CAVAGE["draft12_c3_erratum"]
    c3 = next(c for c in CAVAGE["cases"] if c["name"].startswith("C.3"))
    created = int(re.search(r"^\(created\): (\d+)$", erratum["signing_string"], re.M).group(1))
    expires = int(re.search(r"^\(expires\): (\d+)$", erratum["signing_string"], re.M).group(1))
    covered = [line.split(":", 1)[0] for line in erratum["signing_string"].split("\n")]
    built = cavage_signing_string(
        C_REQ["method"], C_REQ["path"], C_REQ["headers"], covered, created=created, expires=expires
    )
    assert built == erratum["signing_string"]
    pem = CAVAGE["key"]["public_pem"]
    ok = verify_cavage_signing_string(built, c3["signature"], pem, "rsa-sha256")
    assert ok is erratum["verifies_with_printed_signature"] is False
    assert (
        verify_cavage_signing_string(c3["signing_string"], c3["signature"], pem, "rsa-sha256")
        is True
    )


@pytest.mark.parametrize(
    "name, code",
    [("C.1", "request_target_unsigned"), ("C.2", "digest_unsigned"), ("C.3", None)],
)
def test_cavage_appendix_c_under_archipel_policy(name, code):
    case = next(c for c in CAVAGE["cases"] if c["name"].startswith(name))
    now = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)
    key = lambda kid, refresh: CAVAGE["key"]["public_pem"]  # noqa: E731
    args = (C_REQ["method"], C_URL, _c_headers(case), C_REQ["body"].encode())
    if code is None:
        result = verify_request(*args, resolve_key=key, now=now)
        assert result == VerifiedSignature(
            CAVAGE["key"]["keyId"], "cavage", "rsa-sha256", tuple(case["headers"])
        )
        with pytest.raises(SignatureError) as exc:  # the real clock is years later
            verify_request(*args, resolve_key=key)
        assert exc.value.code == "date_stale"
    else:
        with pytest.raises(SignatureError) as exc:
            verify_request(*args, resolve_key=key, now=now)
        assert exc.value.code == code


# --------------------------------------------------------------------------- Mastodon cases

MASTODON_REJECT_CODES = {
    "GET query tampered": "signature_invalid",
    "GET path tampered": "signature_invalid",
    "method tampered": "digest_unsigned",  # a POST must sign Digest; the crypto fails as well
    "stale Date (2 days)": "date_stale",
    "POST Digest not signed": "digest_unsigned",
    "POST body tampered": "digest_mismatch",
}


def _mastodon_request(case: dict):
    url = "http://" + case["headers"]["Host"] + case["target"]
    headers = {**case["headers"], "Signature": case["signature_header"]}
    body = case["body"].encode() if case["body"] is not None else None
    return case["method"], url, headers, body


def _mastodon_key(kid: str, refresh: bool):
    return MASTODON["key"]["public_pem"] if kid == MASTODON["key"]["keyId"] else None


@pytest.mark.parametrize("case", MASTODON["cases"], ids=lambda c: c["name"])
def test_mastodon_signature_bytes_cover_signing_string(case):
    sig = re.search(r'signature="([^"]+)"', case["signature_header"]).group(1)
    ok = verify_cavage_signing_string(case["signing_string"], sig, MASTODON["key"]["public_pem"])
    assert ok is case["signature_bytes_verify_over_signing_string"]


@pytest.mark.parametrize("case", MASTODON["cases"], ids=lambda c: c["name"])
def test_mastodon_case(case):
    method, url, headers, body = _mastodon_request(case)
    now = _ts(case["verifier_now"])
    target_matches = (
        cavage_signing_string(
            method, case["target"], headers, parse_cavage_signature(headers).headers
        )
        == case["signing_string"]
    )
    if case["expect"] == "valid":
        assert target_matches
        result = verify_request(method, url, headers, body, resolve_key=_mastodon_key, now=now)
        assert result.key_id == MASTODON["key"]["keyId"]
        assert result.scheme == "cavage" and result.algorithm == "rsa-sha256"
        assert set(result.covered) >= {"(request-target)", "date", "host"}
    elif case["expect"] == "valid_mastodon_quirk":
        # (request-target) signed without the query: rejected by default, accepted on opt-in
        assert not target_matches
        with pytest.raises(SignatureError) as exc:
            verify_request(method, url, headers, body, resolve_key=_mastodon_key, now=now)
        assert exc.value.code == "signature_invalid"
        result = verify_request(
            method,
            url,
            headers,
            body,
            resolve_key=_mastodon_key,
            now=now,
            allow_unsigned_query=True,
        )
        assert result.key_id == MASTODON["key"]["keyId"]
    else:
        assert case["expect"] == "invalid"
        with pytest.raises(SignatureError) as exc:
            verify_request(method, url, headers, body, resolve_key=_mastodon_key, now=now)
        assert exc.value.code == MASTODON_REJECT_CODES[case["name"]], case["why"]
        # the crypto check alone succeeds exactly when the signed string is the actual request's
        low = verify_cavage_signature(
            method, case["target"], headers, MASTODON["key"]["public_pem"]
        )
        assert low is target_matches


def test_mastodon_tampered_query_not_rescued_by_quirk():
    case = next(c for c in MASTODON["cases"] if c["name"] == "GET query tampered")
    method, url, headers, body = _mastodon_request(case)
    with pytest.raises(SignatureError) as exc:
        verify_request(
            method,
            url,
            headers,
            body,
            resolve_key=_mastodon_key,
            now=_ts(case["verifier_now"]),
            allow_unsigned_query=True,
        )
    assert exc.value.code == "signature_invalid"


# --------------------------------------------------------------------------- RFC 9421 appendix B


def _parse_message(text: str) -> dict:
    head, _, body = text.partition("\n\n")
    first, *lines = head.split("\n")
    headers = [tuple(p.strip() for p in line.split(":", 1)) for line in lines]
    msg = {"headers": headers, "body": body.encode()}
    if first.startswith("HTTP/"):
        msg["status"] = int(first.split()[1])
    else:
        method, target, _ = first.split()
        msg.update(method=method, url="https://" + dict(headers)["Host"] + target)
    return msg


def _base_lines(base: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in base.split("\n"))


def _rfc_message(case: dict) -> dict:
    msg = _parse_message(RFC9421["messages"][case["message"]])
    if "note" in case and "content-digest" in case["note"].lower():
        # B.2.4 erratum: the printed response's Content-Digest is wrong; use the one signed
        signed = _base_lines(case["signature_base"])['"content-digest"']
        msg["headers"] = [
            (k, signed if k.lower() == "content-digest" else v) for k, v in msg["headers"]
        ]
    msg["headers"] = [
        *msg["headers"],
        ("Signature-Input", case["signature_input"]),
        ("Signature", case["signature"]),
    ]
    return msg


def _msg_kwargs(msg: dict) -> dict:
    if "status" in msg:
        return {"method": None, "url": None, "status": msg["status"]}
    return {"method": msg["method"], "url": msg["url"]}


def _rfc_public(case: dict):
    key = RFC9421["keys"][case["keyid"]]
    return base64.b64decode(key["base64"]) if "base64" in key else key["public_pem"]


def _rfc_private(case: dict):
    key = RFC9421["keys"][case["keyid"]]
    return base64.b64decode(key["base64"]) if "base64" in key else key["private_pem"]


@pytest.mark.parametrize("case", RFC9421["cases"], ids=lambda c: c["section"])
def test_rfc9421_signature_base(case):
    msg = _rfc_message(case)
    sig = parse_rfc9421_signatures(msg["headers"])[0]
    assert sig.label == case["label"]
    assert sig.signature == base64.b64decode(case["signature_b64"])
    assert sig.params["keyid"] == case["keyid"]
    assert (
        rfc9421_signature_base(sig, headers=msg["headers"], **_msg_kwargs(msg))
        == case["signature_base"]
    )


@pytest.mark.parametrize("case", RFC9421["cases"], ids=lambda c: c["section"])
def test_rfc9421_low_level_verify(case):
    msg = _rfc_message(case)
    kw = _msg_kwargs(msg)
    key = _rfc_public(case)
    assert (
        verify_rfc9421_signature(
            kw["method"], kw["url"], msg["headers"], key, alg=case["alg"], status=kw.get("status")
        )
        == case["alg"]
    )
    other = case["signature_base"].replace("1618884473", "1618884474")
    assert (
        verify_rfc9421_base(other, base64.b64decode(case["signature_b64"]), key, case["alg"])
        is None
    )
    if case["alg"] != "hmac-sha256":  # asymmetric: the algorithm can be inferred from the key
        assert (
            verify_rfc9421_signature(
                kw["method"], kw["url"], msg["headers"], key, status=kw.get("status")
            )
            == case["alg"]
        )


@pytest.mark.parametrize("case", RFC9421["cases"], ids=lambda c: c["section"])
def test_rfc9421_resign(case):
    signature = sign_rfc9421_base(case["signature_base"], _rfc_private(case), case["alg"])
    if case["deterministic"]:
        assert signature == case["signature_b64"]
    else:  # PSS / ECDSA are randomised: a fresh signature must verify instead
        assert signature != case["signature_b64"]
        assert (
            verify_rfc9421_base(
                case["signature_base"], base64.b64decode(signature), _rfc_public(case), case["alg"]
            )
            == case["alg"]
        )


def test_rfc9421_b24_erratum_printed_digest_is_wrong():
    case = next(c for c in RFC9421["cases"] if c["section"] == "B.2.4")
    printed = _parse_message(RFC9421["messages"][case["message"]])
    with pytest.raises(SignatureError) as exc:
        check_content_digest(dict(printed["headers"])["Content-Digest"], printed["body"])
    assert exc.value.code == "digest_mismatch"
    check_content_digest(_base_lines(case["signature_base"])['"content-digest"'], printed["body"])


def test_rfc9421_request_content_digest_matches_body():
    msg = _parse_message(RFC9421["messages"]["test-request"])
    check_content_digest(dict(msg["headers"])["Content-Digest"], msg["body"])
    with pytest.raises(SignatureError) as exc:
        check_content_digest(dict(msg["headers"])["Content-Digest"], msg["body"] + b" ")
    assert exc.value.code == "digest_mismatch"


@pytest.mark.parametrize(
    "section, code",
    [
        ("B.2.1", "request_target_unsigned"),
        ("B.2.2", "request_target_unsigned"),
        ("B.2.3", None),
        ("B.2.5", "request_target_unsigned"),
        ("B.2.6", "digest_unsigned"),
    ],
)
def test_rfc9421_appendix_b_under_archipel_policy(section, code):
    case = next(c for c in RFC9421["cases"] if c["section"] == section)
    msg = _rfc_message(case)
    sig = parse_rfc9421_signatures(msg["headers"])[0]
    now = datetime.fromtimestamp(sig.params["created"], tz=UTC)
    calls = []

    def resolve(kid, refresh):
        calls.append((kid, refresh))
        return _rfc_public(case)

    args = (msg["method"], msg["url"], msg["headers"], msg["body"])
    if code is None:  # alg absent: RSA tries v1.5 first, then PSS
        result = verify_request(*args, resolve_key=resolve, now=now)
        assert result == VerifiedSignature(case["keyid"], "rfc9421", case["alg"], sig.covered)
        assert calls == [(case["keyid"], False)]
    else:
        with pytest.raises(SignatureError) as exc:
            verify_request(*args, resolve_key=resolve, now=now)
        assert exc.value.code == code
        assert calls == []  # policy rejection happens before any key fetch
    with pytest.raises(SignatureError) as exc:
        verify_request(*args, resolve_key=resolve, now=now + timedelta(hours=2))
    assert exc.value.code == "date_stale"


# --------------------------------------------------------------------------- round trips

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
KID = "https://a.example/users/alice#main-key"
INBOX = "https://b.example:8443/users/bob/inbox"
BODY = b'{"type": "Create", "actor": "https://a.example/users/alice"}'


def _pem_pair(key) -> tuple[str, str]:
    priv = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    pub = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return priv, pub


@pytest.fixture(scope="module")
def alice():
    return _pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def alice_new():
    return _pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))


class Resolver:
    def __init__(self, cached, fresh=None):
        self.cached, self.fresh, self.calls = cached, fresh, []

    def __call__(self, key_id, refresh):
        self.calls.append((key_id, refresh))
        return self.fresh if refresh else self.cached


def _signed_post(priv, **kw):
    return sign_request(
        "POST",
        INBOX,
        key_id=KID,
        private_key_pem=priv,
        body=BODY,
        headers={"Content-Type": "application/activity+json"},
        now=NOW,
        **kw,
    )


def test_sign_request_headers(alice):
    h = _signed_post(alice[0])
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
    result = verify_request("POST", INBOX, _signed_post(alice[0]), BODY, resolve_key=r, now=NOW)
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
    h = _signed_post(alice[0])
    lower = {k.lower(): v for k, v in h.items()}
    upper = {k.upper(): v for k, v in h.items()}
    for variant in (lower, upper, werkzeug.Headers(list(h.items()))):
        assert (
            verify_request(
                "POST", INBOX, variant, BODY, resolve_key=Resolver(alice[1]), now=NOW
            ).key_id
            == KID
        )


def _expect(code, *args, resolver, **kw):
    with pytest.raises(SignatureError) as exc:
        verify_request(*args, resolve_key=resolver, **kw)
    assert exc.value.code == code
    return exc.value


def test_tampered_body(alice):
    r = Resolver(alice[1])
    _expect(
        "digest_mismatch", "POST", INBOX, _signed_post(alice[0]), BODY + b" ", resolver=r, now=NOW
    )
    assert r.calls == []


def test_wrong_method_and_url(alice):
    h = _signed_post(alice[0])
    _expect("signature_invalid", "PUT", INBOX, h, BODY, resolver=Resolver(alice[1]), now=NOW)
    _expect(
        "signature_invalid",
        "POST",
        INBOX.replace("bob", "eve"),
        h,
        BODY,
        resolver=Resolver(alice[1]),
        now=NOW,
    )
    _expect(
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
    _expect("date_stale", "POST", INBOX, _signed_post(alice[0]), BODY, resolver=r, now=NOW + delta)
    assert r.calls == []
    # inside the window it is accepted; max_skew is honoured
    assert verify_request(
        "POST", INBOX, _signed_post(alice[0]), BODY, resolve_key=r, now=NOW + delta / 3
    )
    _expect(
        "date_stale",
        "POST",
        INBOX,
        _signed_post(alice[0]),
        BODY,
        resolver=r,
        now=NOW + delta / 3,
        max_skew=60,
    )


def test_missing_or_unsigned_digest(alice):
    h = _signed_post(alice[0])
    no_digest = {k: v for k, v in h.items() if k != "Digest"}
    _expect("digest_missing", "POST", INBOX, no_digest, BODY, resolver=Resolver(alice[1]), now=NOW)
    unsigned = sign_request(
        "POST", INBOX, key_id=KID, private_key_pem=alice[0], now=NOW
    )  # body None
    unsigned["Digest"] = body_digest_header(BODY)
    _expect("digest_unsigned", "POST", INBOX, unsigned, BODY, resolver=Resolver(alice[1]), now=NOW)


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
    _expect("digest_mismatch", "POST", INBOX, h, BODY[:-1], resolver=Resolver(alice[1]), now=NOW)


def test_unknown_key(alice):
    r = Resolver(None, None)
    _expect("key_unknown", "POST", INBOX, _signed_post(alice[0]), BODY, resolver=r, now=NOW)
    assert r.calls == [(KID, False), (KID, True)]


def test_key_fetched_when_not_cached(alice):
    r = Resolver(None, alice[1])
    assert (
        verify_request("POST", INBOX, _signed_post(alice[0]), BODY, resolve_key=r, now=NOW).key_id
        == KID
    )
    assert r.calls == [(KID, False), (KID, True)]


def test_rotated_key_refetched_once(alice, alice_new):
    r = Resolver(alice[1], alice_new[1])
    assert (
        verify_request(
            "POST", INBOX, _signed_post(alice_new[0]), BODY, resolve_key=r, now=NOW
        ).key_id
        == KID
    )
    assert r.calls == [(KID, False), (KID, True)]
    other = _pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    r = Resolver(alice[1], alice_new[1])
    _expect("signature_invalid", "POST", INBOX, _signed_post(other[0]), BODY, resolver=r, now=NOW)
    assert r.calls == [(KID, False), (KID, True)]


def test_algorithms(alice):
    h = _signed_post(alice[0])
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
        _expect("algorithm_unsupported", "POST", INBOX, b, BODY, resolver=r, now=NOW)
        assert r.calls == []


def test_hs2019_ed25519_and_created():
    key = ed25519.Ed25519PrivateKey.generate()
    priv, pub = _pem_pair(key)
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
    _expect("date_stale", "GET", url, h, None, resolver=Resolver(pub), now=NOW + timedelta(days=1))


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
    _expect(
        "host_unsigned", "GET", url, custom(("(request-target)", "date")), None, resolver=r, now=NOW
    )
    _expect(
        "request_target_unsigned", "GET", url, custom(("host", "date")), None, resolver=r, now=NOW
    )
    _expect(
        "date_unsigned", "GET", url, custom(("(request-target)", "host")), None, resolver=r, now=NOW
    )
    assert r.calls == []
    ok = custom(("(request-target)", "host", "date"))
    assert verify_request("GET", url, ok, None, resolve_key=r, now=NOW).covered == (
        "(request-target)",
        "host",
        "date",
    )
    _expect(
        "header_missing",
        "GET",
        url,
        {k: v for k, v in ok.items() if k != "Date"},
        None,
        resolver=r,
        now=NOW,
    )
    _expect("signature_missing", "GET", url, {"Host": "b.example"}, None, resolver=r, now=NOW)
    _expect(
        "signature_malformed", "GET", url, {**ok, "Signature": "garbage"}, None, resolver=r, now=NOW
    )
    _expect(
        "signature_malformed",
        "GET",
        url,
        {**ok, "Signature": 'keyId="x",headers="date"'},
        None,
        resolver=r,
        now=NOW,
    )
    expired = {**ok, "Signature": ok["Signature"] + f",expires={int(NOW.timestamp()) - 1}"}
    _expect("date_stale", "GET", url, expired, None, resolver=r, now=NOW)


def test_authorization_header_and_multi_valued(alice):
    h = _signed_post(alice[0])
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
    h = _signed_post(alice[0])
    assert signature_key_id(h) == KID
    assert signature_key_id({"authorization": "Signature " + h["Signature"]}) == KID
    assert signature_key_id({"Authorization": "Bearer abc", "Host": "x"}) is None
    case = RFC9421["cases"][0]
    assert (
        signature_key_id(
            {"Signature-Input": case["signature_input"], "Signature": case["signature"]}
        )
        == case["keyid"]
    )


# --------------------------------------------------------------------------- RFC 9421 round trip


def _rfc9421_signed(
    priv_pem,
    *,
    body=BODY,
    covered=('"@method"', '"@target-uri"', '"content-digest"'),
    created=None,
    extra_params="",
    alg="ed25519",
):
    digest = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
    created = int(NOW.timestamp()) if created is None else created
    created_param = f";created={created}" if created is not False else ""
    sig_input = f'sig1=({" ".join(covered)}){created_param};keyid="{KID}"{extra_params}'
    headers = {"Content-Digest": digest, "Signature-Input": sig_input, "Signature": "sig1=:AA==:"}
    sig = parse_rfc9421_signatures(headers)[0]
    base = rfc9421_signature_base(sig, method="POST", url=INBOX, headers=headers)
    headers["Signature"] = f"sig1=:{sign_rfc9421_base(base, priv_pem, alg)}:"
    return headers


def test_rfc9421_round_trip(alice):
    key = ed25519.Ed25519PrivateKey.generate()
    priv, pub = _pem_pair(key)
    h = _rfc9421_signed(priv)
    result = verify_request("POST", INBOX, h, BODY, resolve_key=Resolver(pub), now=NOW)
    assert result == VerifiedSignature(
        KID, "rfc9421", "ed25519", ("@method", "@target-uri", "content-digest")
    )
    assert signature_key_id(h) == KID
    _expect("digest_mismatch", "POST", INBOX, h, BODY + b"x", resolver=Resolver(pub), now=NOW)
    _expect("signature_invalid", "PUT", INBOX, h, BODY, resolver=Resolver(pub), now=NOW)
    _expect(
        "date_stale", "POST", INBOX, h, BODY, resolver=Resolver(pub), now=NOW + timedelta(hours=3)
    )
    _expect(
        "date_unsigned",
        "POST",
        INBOX,
        _rfc9421_signed(priv, created=False),
        BODY,
        resolver=Resolver(pub),
        now=NOW,
    )
    expired = _rfc9421_signed(priv, extra_params=f";expires={int(NOW.timestamp()) - 5}")
    _expect("date_stale", "POST", INBOX, expired, BODY, resolver=Resolver(pub), now=NOW)
    no_digest = _rfc9421_signed(priv, covered=('"@method"', '"@target-uri"'))
    _expect("digest_unsigned", "POST", INBOX, no_digest, BODY, resolver=Resolver(pub), now=NOW)
    _expect(
        "request_target_unsigned",
        "POST",
        INBOX,
        _rfc9421_signed(priv, covered=('"@method"', '"content-digest"')),
        BODY,
        resolver=Resolver(pub),
        now=NOW,
    )
    hmac_alg = _rfc9421_signed(priv, extra_params=';alg="hmac-sha256"')
    _expect("algorithm_unsupported", "POST", INBOX, hmac_alg, BODY, resolver=Resolver(pub), now=NOW)
    # RSA key, declared rsa-v1_5-sha256; the rotated-key refetch applies to RFC 9421 too
    rsa_h = _rfc9421_signed(alice[0], alg="rsa-v1_5-sha256", extra_params=';alg="rsa-v1_5-sha256"')
    r = Resolver(pub, alice[1])
    assert (
        verify_request("POST", INBOX, rsa_h, BODY, resolve_key=r, now=NOW).algorithm
        == "rsa-v1_5-sha256"
    )
    assert r.calls == [(KID, False), (KID, True)]
