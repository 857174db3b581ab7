"""RFC 9421 signatures: the RFC's appendix B cases (../shared/vectors), errata included."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from fedkit.protocol.httpsig import (
    SignatureError,
    VerifiedSignature,
    check_content_digest,
    parse_rfc9421_signatures,
    rfc9421_signature_base,
    sign_rfc9421_base,
    verify_request,
    verify_rfc9421_base,
    verify_rfc9421_signature,
)
from tests.unit.httpsig_support import load

RFC9421 = load("rfc9421_appendix_b.json")


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
