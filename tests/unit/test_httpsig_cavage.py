"""draft-cavage signatures: the spec's appendix C and Mastodon's own cases (../shared/vectors)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from fedkit.protocol.httpsig import (
    SignatureError,
    VerifiedSignature,
    body_digest_header,
    cavage_signing_string,
    parse_cavage_signature,
    sign_cavage_signing_string,
    signature_key_id,
    verify_cavage_signature,
    verify_cavage_signing_string,
    verify_request,
)
from tests.unit.httpsig_support import load
from tests.unit.httpsig_support import ts as _ts

CAVAGE = load("cavage_appendix_c.json")
MASTODON = load("mastodon_cavage_cases.json")


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
