"""RFC 9421 round trips: requests signed here verify under Archipel's policy, and tampering fails."""


from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric import ed25519

from fedkit.protocol.httpsig import (
    VerifiedSignature,
    parse_rfc9421_signatures,
    rfc9421_signature_base,
    sign_rfc9421_base,
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
    pem_pair,
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
    priv, pub = pem_pair(key)
    h = _rfc9421_signed(priv)
    result = verify_request("POST", INBOX, h, BODY, resolve_key=Resolver(pub), now=NOW)
    assert result == VerifiedSignature(
        KID, "rfc9421", "ed25519", ("@method", "@target-uri", "content-digest")
    )
    assert signature_key_id(h) == KID
    expect("digest_mismatch", "POST", INBOX, h, BODY + b"x", resolver=Resolver(pub), now=NOW)
    expect("signature_invalid", "PUT", INBOX, h, BODY, resolver=Resolver(pub), now=NOW)
    expect(
        "date_stale", "POST", INBOX, h, BODY, resolver=Resolver(pub), now=NOW + timedelta(hours=3)
    )
    expect(
        "date_unsigned",
        "POST",
        INBOX,
        _rfc9421_signed(priv, created=False),
        BODY,
        resolver=Resolver(pub),
        now=NOW,
    )
    expired = _rfc9421_signed(priv, extra_params=f";expires={int(NOW.timestamp()) - 5}")
    expect("date_stale", "POST", INBOX, expired, BODY, resolver=Resolver(pub), now=NOW)
    no_digest = _rfc9421_signed(priv, covered=('"@method"', '"@target-uri"'))
    expect("digest_unsigned", "POST", INBOX, no_digest, BODY, resolver=Resolver(pub), now=NOW)
    expect(
        "request_target_unsigned",
        "POST",
        INBOX,
        _rfc9421_signed(priv, covered=('"@method"', '"content-digest"')),
        BODY,
        resolver=Resolver(pub),
        now=NOW,
    )
    hmac_alg = _rfc9421_signed(priv, extra_params=';alg="hmac-sha256"')
    expect("algorithm_unsupported", "POST", INBOX, hmac_alg, BODY, resolver=Resolver(pub), now=NOW)
    # RSA key, declared rsa-v1_5-sha256; the rotated-key refetch applies to RFC 9421 too
    rsa_h = _rfc9421_signed(alice[0], alg="rsa-v1_5-sha256", extra_params=';alg="rsa-v1_5-sha256"')
    r = Resolver(pub, alice[1])
    assert (
        verify_request("POST", INBOX, rsa_h, BODY, resolve_key=r, now=NOW).algorithm
        == "rsa-v1_5-sha256"
    )
    assert r.calls == [(KID, False), (KID, True)]
