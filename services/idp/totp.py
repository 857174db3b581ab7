"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), as authenticator apps
(Google Authenticator, FreeOTP, Microsoft Authenticator) compute them: HMAC-SHA1, six
digits, thirty-second steps, base32 secrets. The codes are pyotp's; this module adds the
provider's rules: a drift window, and a code good once (its step is remembered)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import pyotp

STEP = 30
DIGITS = 6
# Accepted clock drift between the phone and the server, in steps either side.
WINDOW = 1


def new_secret() -> str:
    """A random 160-bit secret, base32 without padding (what apps expect)."""
    return pyotp.random_base32(32)


def _totp(secret: str) -> pyotp.TOTP:
    cleaned = secret.replace(" ", "").upper()
    return pyotp.TOTP(cleaned + "=" * (-len(cleaned) % 8), digits=DIGITS, interval=STEP)


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226 §5.3 for a raw key (the RFCs' test vectors are given as raw keys)."""
    return pyotp.HOTP(base64.b32encode(key).decode(), digits=digits, digest=digest).at(counter)


def check_secret(secret: str) -> None:
    """ValueError unless ``secret`` is base32 of at least 112 bits (RFC 4226 §4 asks 128,
    recommends 160: what ``new_secret`` makes)."""
    try:
        _totp(secret).byte_secret()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not a usable TOTP secret: {exc}") from None


def step_at(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP)


def code_at(secret: str, at: float | None = None) -> str:
    return _totp(secret).generate_otp(step_at(at))


def verify(secret: str, code: str, last_step: int | None = None, at: float | None = None) -> int | None:
    """The time step ``code`` belongs to (within the drift window), or None.

    A code is good once: a step at or before ``last_step`` (the last one accepted for
    this secret) is refused, so a code seen over someone's shoulder cannot be replayed."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    try:
        otp = _totp(secret)
        otp.byte_secret()
    except ValueError:  # not base32, or too short (pyotp wants 112 bits, NIST SP 800-63B)
        return None
    now = step_at(at)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(otp.generate_otp(step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app scans (as a QR code) to enrol."""
    return _totp(secret).provisioning_uri(name=account, issuer_name=issuer)
