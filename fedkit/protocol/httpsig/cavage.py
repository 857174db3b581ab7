"""draft-cavage-http-signatures (the "Signature" header ActivityPub servers use).

Low-level and policy-free: parse the header, build the signing string over an actual
request, sign, and check the cryptography. The Archipel federation policy lives in
:func:`fedkit.protocol.httpsig.verify_request`.
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from ._common import (
    KeyMaterial,
    SignatureError,
    algs_for_key,
    b64decode,
    body_digest_header,
    load_private_key,
    load_public_key,
    normalize_headers,
    sign_with,
    split_url,
    utc,
    verify_with,
)

# Declared algorithm -> RFC 9421 primitives tried in order (hs2019: decided by the key).
CAVAGE_ALGORITHMS: dict[str, tuple[str, ...] | None] = {
    "rsa-sha256": ("rsa-v1_5-sha256",),
    "hs2019": None,
}
_HS2019_ORDER = ("rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519")

_PARAM_RE = re.compile(
    r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s"]*))\s*(?:,|$)'
)


@dataclass(frozen=True)
class CavageParams:
    """Parsed ``Signature`` header parameters."""

    key_id: str
    algorithm: str | None  # as declared (lower-case), None when absent
    headers: tuple[str, ...]  # covered header names, lower-case; ("date",) when absent
    signature: bytes
    created: int | None = None
    expires: int | None = None
    headers_param_present: bool = True


def _raw_signature_value(headers: dict[str, str]) -> str | None:
    if "signature" in headers:
        return headers["signature"]
    auth = headers.get("authorization", "")
    scheme, _, rest = auth.partition(" ")
    if scheme.lower() == "signature" and rest.strip():
        return rest.strip()
    return None


def parse_cavage_params(value: str) -> dict[str, str]:
    """Split ``k="v",k2=v2`` into a dict (keys as written). Raises ``signature_malformed``."""
    params: dict[str, str] = {}
    pos, value = 0, value.strip()
    while pos < len(value):
        m = _PARAM_RE.match(value, pos)
        if not m or m.end() == pos:
            raise SignatureError("signature_malformed", "cannot parse Signature header")
        quoted, bare = m.group(2), m.group(3)
        params[m.group(1)] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
        pos = m.end()
    return params


def _int_param(params: dict[str, str], name: str) -> int | None:
    if name not in params:
        return None
    try:
        return int(params[name])
    except ValueError as exc:
        raise SignatureError("signature_malformed", f"{name} is not an integer") from exc


def parse_cavage_signature(headers: Any) -> CavageParams | None:
    """Parse the ``Signature`` header (or ``Authorization: Signature ...``); None if absent."""
    raw = _raw_signature_value(normalize_headers(headers))
    return None if raw is None else _parse_signature_value(raw)


# The gateway reads a request's keyId (federation policy) before verifying it: the same
# header is parsed twice per request, the second time from here. Frozen results only.
@functools.lru_cache(maxsize=64)
def _parse_signature_value(raw: str) -> CavageParams:
    params = parse_cavage_params(raw)
    if not params.get("keyId") or not params.get("signature"):
        raise SignatureError("signature_malformed", "Signature lacks keyId or signature")
    covered = params.get("headers")
    names = tuple(covered.lower().split()) if covered is not None else ("date",)
    if not names:
        raise SignatureError("signature_malformed", "empty headers parameter")
    alg = params.get("algorithm")
    return CavageParams(
        key_id=params["keyId"],
        algorithm=alg.lower() if alg else None,
        headers=names,
        signature=b64decode(params["signature"]),
        created=_int_param(params, "created"),
        expires=_int_param(params, "expires"),
        headers_param_present=covered is not None,
    )


def cavage_signing_string(
    method: str,
    path_with_query: str,
    headers: Any,
    covered: tuple[str, ...] | list[str],
    *,
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """Build the signing string over the actual request.

    ``(request-target)`` is ``"<lower-case method> <path?query>"``; ``(created)``/``(expires)``
    come from the signature parameters; other names are header values (trimmed, repeated
    fields joined with ``", "``). A covered header that is absent raises ``header_missing``.
    """
    h = normalize_headers(headers)
    lines = []
    for name in covered:
        name = name.lower()
        if name == "(request-target)":
            value = f"{method.lower()} {path_with_query}"
        elif name in ("(created)", "(expires)"):
            value = created if name == "(created)" else expires
            if value is None:
                raise SignatureError("signature_malformed", f"{name} covered but parameter absent")
        elif name in h:
            value = h[name]
        else:
            raise SignatureError("header_missing", f"covered header {name!r} is absent")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def primitives_for(algorithm: str | None, key: Any) -> tuple[str, ...]:
    """Map a declared cavage algorithm to the primitives to try (``algorithm_unsupported``)."""
    alg = (algorithm or "hs2019").lower()
    if alg not in CAVAGE_ALGORITHMS:
        raise SignatureError("algorithm_unsupported", f"algorithm {algorithm!r} is not accepted")
    fixed = CAVAGE_ALGORITHMS[alg]
    if fixed is not None:
        return fixed
    fits = set(algs_for_key(key))
    return tuple(a for a in _HS2019_ORDER if a in fits)


def verify_cavage_signing_string(
    signing_string: str,
    signature: bytes | str,
    public_key_pem: KeyMaterial,
    algorithm: str | None = "rsa-sha256",
) -> bool:
    """True if ``signature`` (bytes or base64) is valid over ``signing_string``."""
    sig = b64decode(signature) if isinstance(signature, str) else signature
    key = load_public_key(public_key_pem)
    data = signing_string.encode("utf-8")
    return any(verify_with(p, key, data, sig) for p in primitives_for(algorithm, key))


def verify_cavage_signature(
    method: str, path_with_query: str, headers: Any, public_key_pem: KeyMaterial
) -> bool:
    """Policy-free check of a draft-cavage signature over the actual request.

    Parses the ``Signature``/``Authorization`` header in ``headers``, rebuilds the signing
    string from ``method``, ``path_with_query`` and the header values, and checks it with
    ``public_key_pem``. Returns False on a bad signature; raises :class:`SignatureError` when
    the header is absent/malformed, the algorithm is unsupported or a covered header is absent.
    No freshness, digest or coverage rules are applied (see ``verify_request``).
    """
    params = parse_cavage_signature(headers)
    if params is None:
        raise SignatureError("signature_missing", "no Signature header")
    s = cavage_signing_string(
        method,
        path_with_query,
        headers,
        params.headers,
        created=params.created,
        expires=params.expires,
    )
    return verify_cavage_signing_string(s, params.signature, public_key_pem, params.algorithm)


def sign_cavage_signing_string(signing_string: str, private_key_pem: KeyMaterial) -> str:
    """RSASSA-PKCS1-v1_5/SHA-256 signature (base64) of ``signing_string`` — "rsa-sha256"."""
    key = load_private_key(private_key_pem)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SignatureError("algorithm_unsupported", "rsa-sha256 signing needs an RSA key")
    return base64.b64encode(
        sign_with("rsa-v1_5-sha256", key, signing_string.encode("utf-8"))
    ).decode("ascii")


def sign_request(
    method: str,
    url: str,
    *,
    key_id: str,
    private_key_pem: KeyMaterial,
    body: bytes | None = None,
    headers: dict | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign an outgoing request the way Mastodon requires (draft-cavage, rsa-sha256).

    Returns the headers to send: the caller's ``headers`` (if any) plus Host (the URL's
    netloc, port included), Date (RFC 7231, GMT), Digest (when ``body`` is not None) and
    Signature, covering ``(request-target) host date [digest]``. Caller-supplied Host, Date,
    Digest or Signature headers are replaced.
    """
    _, host, path, query = split_url(url)
    target = f"{path}?{query}" if query else path
    ours = {"host": host, "date": format_datetime(utc(now).replace(microsecond=0), usegmt=True)}
    if body is not None:
        ours["digest"] = body_digest_header(body)
    covered = ("(request-target)", *ours)
    signing_string = cavage_signing_string(method, target, ours, covered)
    signature = sign_cavage_signing_string(signing_string, private_key_pem)
    key_id_q = key_id.replace("\\", "\\\\").replace('"', '\\"')
    out = {k: v for k, v in (headers or {}).items() if k.lower() not in (*ours, "signature")}
    out.update({"Host": ours["host"], "Date": ours["date"]})
    if "digest" in ours:
        out["Digest"] = ours["digest"]
    out["Signature"] = (
        f'keyId="{key_id_q}",algorithm="rsa-sha256",headers="{" ".join(covered)}",signature="{signature}"'
    )
    return out
