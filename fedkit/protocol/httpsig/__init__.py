"""HTTP signatures for Archipel federation — the only place that builds or checks them.

* :func:`sign_request` signs outgoing requests (draft-cavage, rsa-sha256, as Mastodon requires).
* :func:`verify_request` checks incoming ones (draft-cavage or RFC 9421) under the Archipel
  federation policy: coverage, freshness and body digest are checked before any key is
  fetched; the key is refetched once if verification fails with a cached key.
* ``verify_cavage_signature`` / ``verify_rfc9421_signature`` (and the signing-string /
  signature-base builders) are policy-free, for spec test vectors and diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from . import cavage, rfc9421
from ._common import (
    KeyMaterial,
    SignatureError,
    VerifiedSignature,
    body_digest_header,
    check_digest_header,
    normalize_headers,
    path_with_query,
    split_url,
    utc,
)
from .cavage import (
    CavageParams,
    cavage_signing_string,
    parse_cavage_signature,
    sign_cavage_signing_string,
    sign_request,
    verify_cavage_signature,
    verify_cavage_signing_string,
)
from .rfc9421 import (
    Rfc9421Signature,
    check_content_digest,
    parse_rfc9421_signatures,
    parse_sf_dictionary,
    rfc9421_signature_base,
    sign_rfc9421_base,
    verify_rfc9421_base,
    verify_rfc9421_signature,
)

__all__ = [
    "CavageParams",
    "Rfc9421Signature",
    "SignatureError",
    "VerifiedSignature",
    "body_digest_header",
    "cavage_signing_string",
    "check_content_digest",
    "parse_cavage_signature",
    "parse_rfc9421_signatures",
    "parse_sf_dictionary",
    "rfc9421_signature_base",
    "sign_cavage_signing_string",
    "sign_request",
    "sign_rfc9421_base",
    "signature_key_id",
    "verify_cavage_signature",
    "verify_cavage_signing_string",
    "verify_request",
    "verify_rfc9421_base",
    "verify_rfc9421_signature",
]

KeyResolver = Callable[[str, bool], KeyMaterial | None]
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Algorithms accepted from remote servers in RFC 9421 (no shared-secret HMAC in federation).
RFC9421_POLICY_ALGS = ("rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519", "ecdsa-p256-sha256")


def signature_key_id(headers: Any) -> str | None:
    """keyId of a cavage signature, or keyid of the first RFC 9421 signature; None if unsigned.

    Raises :class:`SignatureError` (``signature_malformed``) if a signature header is unparseable.
    """
    h = normalize_headers(headers)
    if "signature-input" in h:
        for label, (_, params) in rfc9421.parse_sf_dictionary(h["signature-input"]).items():
            keyid = params.get("keyid")
            if not isinstance(keyid, str):
                raise SignatureError("signature_malformed", f"signature {label!r} has no keyid")
            return keyid
        return None
    params = parse_cavage_signature(h)
    return params.key_id if params else None


def _check_time(t: datetime, now: datetime, max_skew: int, what: str) -> None:
    if abs((t - now).total_seconds()) > max_skew:
        raise SignatureError("date_stale", f"{what} {t.isoformat()} is outside ±{max_skew}s of now")


def _check_expires(expires: int | None, now: datetime) -> None:
    if expires is not None and expires < now.timestamp():
        raise SignatureError("date_stale", "signature has expired")


def _from_ts(ts: int) -> datetime:
    try:
        return datetime.fromtimestamp(ts, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SignatureError("signature_malformed", "timestamp out of range") from exc


def _has_body(method: str, body: bytes | None) -> bool:
    return method.upper() in BODY_METHODS or bool(body)


def _cavage_policy(
    method: str,
    url: str,
    h: dict[str, str],
    body: bytes | None,
    now: datetime,
    max_skew: int,
    allow_unsigned_query: bool,
):
    """Returns (params, candidate signing strings) or raises; no key needed."""
    p = parse_cavage_signature(h)
    if p is None:
        raise SignatureError("signature_missing", "request is not signed")
    if (p.algorithm or "hs2019") not in cavage.CAVAGE_ALGORITHMS:
        raise SignatureError("algorithm_unsupported", f"algorithm {p.algorithm!r} is not accepted")
    covered = set(p.headers)
    if "(request-target)" not in covered:
        raise SignatureError("request_target_unsigned", "(request-target) must be signed")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("date_unsigned", "date or (created) must be signed")
    if "date" in covered:
        if "date" not in h:
            raise SignatureError("header_missing", "Date header is absent")
        try:
            date = utc(parsedate_to_datetime(h["date"]))
        except (TypeError, ValueError) as exc:
            raise SignatureError("signature_malformed", "unparseable Date header") from exc
        _check_time(date, now, max_skew, "Date")
    if "(created)" in covered:
        if p.created is None:
            raise SignatureError("signature_malformed", "(created) signed but created absent")
        _check_time(_from_ts(p.created), now, max_skew, "created")
    _check_expires(p.expires, now)
    if _has_body(method, body):
        if "digest" not in covered:
            raise SignatureError("digest_unsigned", "requests with a body must sign Digest")
        if "digest" not in h:
            raise SignatureError("digest_missing", "Digest header is absent")
        check_digest_header(h["digest"], body or b"")
    # Host binds the signature to the server it was meant for: without it, a delivery to
    # any server could be replayed to this one for as long as its Date is accepted.
    # Mastodon required it for every request (mastodon#14556: "no implementation not signing
    # Host ... for POST requests"), then relaxed it for POSTs (mastodon#15069) because it
    # drops activities not addressed to its users; Archipel keeps it (the vectors' valid
    # POSTs sign it, and Mastodon itself signs ``(request-target) host date digest``).
    if "host" not in covered:
        raise SignatureError("host_unsigned", "the signature must cover Host")
    if "host" not in h:  # e.g. HTTP/2 without a Host header: use the URL's authority
        h = {**h, "host": split_url(url)[1]}
    targets = [path_with_query(url)]
    if allow_unsigned_query and split_url(url)[3]:
        targets.append(split_url(url)[2])  # Mastodon < 4.2 left the query out
    strings = [
        cavage_signing_string(method, t, h, p.headers, created=p.created, expires=p.expires)
        for t in targets
    ]
    return p, strings


def _rfc9421_policy(
    method: str, url: str, h: dict[str, str], body: bytes | None, now: datetime, max_skew: int
) -> tuple[Rfc9421Signature, str]:
    sig = parse_rfc9421_signatures(h)[0]
    keyid, alg = sig.params.get("keyid"), sig.params.get("alg")
    if not isinstance(keyid, str):
        raise SignatureError("signature_malformed", "signature has no keyid")
    if alg is not None and alg not in RFC9421_POLICY_ALGS:
        raise SignatureError("algorithm_unsupported", f"alg {alg!r} is not accepted")
    created = sig.params.get("created")
    if not isinstance(created, int) or isinstance(created, bool):
        raise SignatureError("date_unsigned", "created parameter is required")
    _check_time(_from_ts(created), now, max_skew, "created")
    expires = sig.params.get("expires")
    _check_expires(expires if isinstance(expires, int) else None, now)
    covered = set(sig.covered)
    if "@method" not in covered or not (
        "@target-uri" in covered or {"@authority", "@path"} <= covered
    ):
        raise SignatureError(
            "request_target_unsigned",
            "@method and @target-uri (or @authority+@path) must be signed",
        )
    if _has_body(method, body):
        if "content-digest" not in covered:
            raise SignatureError("digest_unsigned", "requests with a body must sign Content-Digest")
        if "content-digest" not in h:
            raise SignatureError("digest_missing", "Content-Digest header is absent")
        check_content_digest(h["content-digest"], body or b"")
    return sig, rfc9421_signature_base(sig, method=method, url=url, headers=h)


def _verify_with_refetch(
    key_id: str, resolve_key: KeyResolver, check: Callable[[Any], str | None]
) -> str:
    key = resolve_key(key_id, False)
    refreshed = key is None
    if key is None:
        key = resolve_key(key_id, True)
    if key is None:
        raise SignatureError("key_unknown", f"no key for {key_id!r}")
    result = check(key)
    if result is None and not refreshed:
        fresh = resolve_key(key_id, True)  # keys rotate: one refetch
        if fresh is not None and fresh != key:
            result = check(fresh)
    if result is None:
        raise SignatureError("signature_invalid", f"signature by {key_id!r} does not verify")
    return result


def verify_request(
    method: str,
    url: str,
    headers: Any,
    body: bytes | None,
    *,
    resolve_key: KeyResolver,
    now: datetime | None = None,
    max_skew: int = 3600,
    allow_unsigned_query: bool = False,
) -> VerifiedSignature:
    """Verify an incoming request under the Archipel federation policy.

    ``url`` is the full URL the request was received at; ``headers`` any mapping (any case).
    RFC 9421 is used when ``Signature-Input`` is present, else draft-cavage (``Signature`` or
    ``Authorization: Signature``). ``resolve_key(key_id, refresh)`` returns a PEM or None.
    ``allow_unsigned_query`` accepts cavage signatures whose (request-target) omits the query
    (Mastodon < 4.2 quirk; off by default). Raises :class:`SignatureError` on any failure.
    """
    h = normalize_headers(headers)
    now = utc(now)
    if "signature-input" in h:
        sig, base = _rfc9421_policy(method, url, h, body, now, max_skew)
        declared = sig.params.get("alg")  # None: inferred from the key type

        def check(pem: KeyMaterial) -> str | None:
            return verify_rfc9421_base(base, sig.signature, pem, declared)

        alg = _verify_with_refetch(sig.params["keyid"], resolve_key, check)
        return VerifiedSignature(sig.params["keyid"], "rfc9421", alg, sig.covered)

    p, strings = _cavage_policy(method, url, h, body, now, max_skew, allow_unsigned_query)

    def check_cavage(pem: KeyMaterial) -> str | None:
        ok = any(verify_cavage_signing_string(s, p.signature, pem, p.algorithm) for s in strings)
        return (p.algorithm or "hs2019") if ok else None

    alg = _verify_with_refetch(p.key_id, resolve_key, check_cavage)
    return VerifiedSignature(p.key_id, "cavage", alg, p.headers)
