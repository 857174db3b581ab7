"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), as authenticator apps
(Google Authenticator, FreeOTP, Microsoft Authenticator) compute them: HMAC-SHA1,
six digits, thirty-second steps, base32 secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP = 30
DIGITS = 6
# Accepted clock drift between the phone and the server, in steps either side.
WINDOW = 1


def new_secret() -> str:
    """A random 160-bit secret, base32 without padding (what apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226 §5.3: dynamic truncation of HMAC(key, counter)."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_at(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP)


def code_at(secret: str, at: float | None = None) -> str:
    return hotp(_key(secret), step_at(at))


def verify(secret: str, code: str, last_step: int | None = None, at: float | None = None) -> int | None:
    """The time step ``code`` belongs to (within the drift window), or None.

    A code is good once: a step at or before ``last_step`` (the last one accepted for
    this secret) is refused, so a code seen over someone's shoulder cannot be replayed."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret)
    now = step_at(at)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app scans (as a QR code) to enrol."""
    label = quote(f"{issuer}:{account}")
    return f"otpauth://totp/{label}?" + urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP})
