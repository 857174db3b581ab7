"""Shared pieces of :mod:`fedkit.protocol.httpsig`: errors, header normalisation, keys, digests."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

KeyMaterial = str | bytes


class SignatureError(Exception):
    """A request signature was missing, malformed, violated policy or did not verify.

    ``code`` is short and machine-readable (e.g. ``"date_stale"``), ``message`` is for humans.
    """

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class VerifiedSignature:
    key_id: str
    scheme: str  # "cavage" or "rfc9421"
    algorithm: str
    covered: tuple[str, ...]


# --------------------------------------------------------------------------- headers


def normalize_headers(headers: Any) -> dict[str, str]:
    """Lower-case header names; join repeated fields with ``", "``.

    Accepts a dict (any case, values may be lists), werkzeug ``Headers``, requests'
    ``CaseInsensitiveDict`` or an iterable of ``(name, value)`` pairs.
    """
    if headers is None:
        return {}
    if isinstance(headers, Mapping) or hasattr(headers, "items"):
        pairs: Iterable = headers.items()
    else:
        pairs = headers
    out: dict[str, str] = {}
    for name, value in pairs:
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if isinstance(v, bytes):
                v = v.decode("latin-1")
            key = str(name).lower()
            v = str(v).strip()
            out[key] = f"{out[key]}, {v}" if key in out else v
    return out


def split_url(url: str) -> tuple[str, str, str, str]:
    """Return ``(scheme, netloc_without_userinfo, path, query)`` of ``url`` (path defaults to "/")."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return parts.scheme.lower(), netloc, parts.path or "/", parts.query


def path_with_query(url: str) -> str:
    _, _, path, query = split_url(url)
    return f"{path}?{query}" if query else path


def utc(dt: datetime | None) -> datetime:
    if dt is None:
        return datetime.now(UTC)
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def b64decode(value: str, what: str = "signature") -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("signature_malformed", f"{what} is not valid base64") from exc


# --------------------------------------------------------------------------- digests

_HASHES = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def body_digest_header(body: bytes) -> str:
    """Value of the legacy ``Digest`` header (RFC 3230): ``SHA-256=<base64>``."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def check_digest_values(pairs: Iterable[tuple[str, bytes]], body: bytes, header: str) -> None:
    """Check ``(algorithm, digest)`` pairs against ``body``; at least one must be known.

    Every pair with a known algorithm (sha-256 / sha-512) must match.
    """
    known = 0
    for alg, digest in pairs:
        fn = _HASHES.get(alg.lower())
        if fn is None:
            continue
        known += 1
        if not hmac.compare_digest(fn(body).digest(), digest):
            raise SignatureError("digest_mismatch", f"{header} does not match the body")
    if not known:
        raise SignatureError(
            "digest_mismatch", f"{header} has no supported algorithm (sha-256/512)"
        )


def check_digest_header(value: str, body: bytes) -> None:
    """Verify a legacy ``Digest: SHA-256=<b64>[, SHA-512=<b64>]`` header against ``body``."""
    pairs = []
    for item in value.split(","):
        alg, sep, b64 = item.strip().partition("=")
        if not sep:
            raise SignatureError("signature_malformed", "Digest header is malformed")
        pairs.append((alg, b64decode(b64, "Digest")))
    check_digest_values(pairs, body, "Digest")


# --------------------------------------------------------------------------- keys


def _as_bytes(pem: KeyMaterial) -> bytes:
    return pem.encode("ascii") if isinstance(pem, str) else bytes(pem)


@functools.lru_cache(maxsize=4096)
def _load_public_cached(pem: bytes):
    if b"PRIVATE KEY" in pem:
        return _load_private_cached(pem).public_key()
    if b"CERTIFICATE" in pem:
        from cryptography import x509

        return x509.load_pem_x509_certificate(pem).public_key()
    return serialization.load_pem_public_key(pem)


@functools.lru_cache(maxsize=256)
def _load_private_cached(pem: bytes):
    return serialization.load_pem_private_key(pem, password=None)


def load_public_key(pem: KeyMaterial):
    """Parse (and cache) a PEM public key; a private key or certificate PEM also works."""
    try:
        return _load_public_cached(_as_bytes(pem))
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SignatureError("key_unknown", f"unusable public key: {exc}") from exc


def load_private_key(pem: KeyMaterial):
    return _load_private_cached(_as_bytes(pem))


# Signature primitives, keyed by the RFC 9421 algorithm names. ``verify_with`` returns a
# bool and never raises for a key of the wrong type.


def _pss(hash_alg: hashes.HashAlgorithm) -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)


def verify_with(alg: str, key: Any, data: bytes, sig: bytes) -> bool:
    """Check ``sig`` over ``data`` with ``key`` (a public key object, or raw bytes for HMAC)."""
    try:
        if alg == "hmac-sha256":
            if not isinstance(key, (bytes, bytearray)):
                return False
            return hmac.compare_digest(hmac.new(key, data, hashlib.sha256).digest(), sig)
        if alg == "rsa-v1_5-sha256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "rsa-pss-sha512" and isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, _pss(hashes.SHA512()), hashes.SHA512())
        elif alg == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, data)
        elif alg in _EC_ALGS and isinstance(key, ec.EllipticCurvePublicKey):
            curve, hash_alg, size = _EC_ALGS[alg]
            if not isinstance(key.curve, curve) or len(sig) != 2 * size:
                return False
            r, s = int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
            from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hash_alg))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def sign_with(alg: str, key: Any, data: bytes) -> bytes:
    """Sign ``data`` with a private key object (or raw bytes for HMAC) using ``alg``."""
    if alg == "hmac-sha256":
        return hmac.new(key, data, hashlib.sha256).digest()
    if alg == "rsa-v1_5-sha256":
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if alg == "rsa-pss-sha512":
        return key.sign(data, _pss(hashes.SHA512()), hashes.SHA512())
    if alg == "ed25519":
        return key.sign(data)
    if alg in _EC_ALGS:
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        _, hash_alg, size = _EC_ALGS[alg]
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hash_alg)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise SignatureError("algorithm_unsupported", f"cannot sign with {alg!r}")


_EC_ALGS = {
    "ecdsa-p256-sha256": (ec.SECP256R1, hashes.SHA256(), 32),
    "ecdsa-p384-sha384": (ec.SECP384R1, hashes.SHA384(), 48),
}
SUPPORTED_ALGS = ("rsa-pss-sha512", "rsa-v1_5-sha256", "hmac-sha256", "ed25519", *_EC_ALGS)


def algs_for_key(key: Any) -> tuple[str, ...]:
    """Asymmetric algorithms worth trying for a key whose algorithm was not declared."""
    if isinstance(key, rsa.RSAPublicKey):
        return ("rsa-v1_5-sha256", "rsa-pss-sha512")
    if isinstance(key, ed25519.Ed25519PublicKey):
        return ("ed25519",)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return tuple(a for a, (curve, _, _) in _EC_ALGS.items() if isinstance(key.curve, curve))
    return ()
