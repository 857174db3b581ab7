"""The provider's one-time passwords against the RFCs' own test vectors."""

from __future__ import annotations

import base64
import hashlib

import pytest

from services.idp import totp

# RFC 4226 appendix D: HOTP of the ASCII secret "12345678901234567890", counters 0..9.
HOTP_VECTORS = ["755224", "287082", "359152", "969429", "338314",
                "254676", "287922", "162583", "399871", "520489"]

# RFC 6238 appendix B: (time, SHA-1, SHA-256, SHA-512), 8 digits, 30-second steps.
TOTP_VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]
SHA1_KEY = b"12345678901234567890"
SHA256_KEY = b"12345678901234567890123456789012"
SHA512_KEY = (b"1234567890" * 7)[:64]


def test_hotp_rfc4226_vectors():
    assert [totp.hotp(SHA1_KEY, counter) for counter in range(10)] == HOTP_VECTORS


@pytest.mark.parametrize(("at", "sha1", "sha256", "sha512"), TOTP_VECTORS)
def test_totp_rfc6238_vectors(at, sha1, sha256, sha512):
    step = totp.step_at(at)
    assert totp.hotp(SHA1_KEY, step, 8) == sha1
    assert totp.hotp(SHA256_KEY, step, 8, hashlib.sha256) == sha256
    assert totp.hotp(SHA512_KEY, step, 8, hashlib.sha512) == sha512


def test_base32_secret_as_apps_use_it():
    secret = base64.b32encode(SHA1_KEY).decode().rstrip("=")
    assert totp.code_at(secret, 59) == "94287082"[-6:]
    assert totp.code_at(secret.lower(), 59) == "287082"


def test_verify_window_and_replay():
    secret = totp.new_secret()
    now = 1_800_000_000
    code = totp.code_at(secret, now)
    step = totp.verify(secret, code, at=now)
    assert step == totp.step_at(now)
    # one step of clock drift either side is accepted, two are not
    assert totp.verify(secret, totp.code_at(secret, now - 30), at=now) == step - 1
    assert totp.verify(secret, totp.code_at(secret, now + 30), at=now) == step + 1
    assert totp.verify(secret, totp.code_at(secret, now - 90), at=now) is None
    # a code already used (its step at or before the last accepted one) is refused
    assert totp.verify(secret, code, last_step=step, at=now) is None
    assert totp.verify(secret, totp.code_at(secret, now + 30), last_step=step, at=now) == step + 1
    # spaces are tolerated; anything else that is not six digits is not a code
    assert totp.verify(secret, f"{code[:3]} {code[3:]}", at=now) == step
    for bad in ("", "12345", "1234567", "abcdef", None):
        assert totp.verify(secret, bad, at=now) is None


def test_provisioning_uri():
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "berta", "Archipel group")
    assert uri.startswith("otpauth://totp/Archipel%20group:berta?")
    # Google's Key Uri Format: SHA1, 6 digits and 30 s are the defaults apps assume when absent
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri and "issuer=Archipel%20group" in uri


def test_a_short_or_broken_secret_signs_nobody_in():
    """RFC 4226 §4 R6 asks 128 bits; pyotp refuses under 112 (NIST SP 800-63B)."""
    short = "JBSWY3DPEHPK3PXP"  # 80 bits
    assert totp.verify(short, "123456") is None and totp.verify("not base32!", "123456") is None
    with pytest.raises(ValueError):
        totp.check_secret(short)
    totp.check_secret(totp.new_secret())
