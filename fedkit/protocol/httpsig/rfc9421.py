"""RFC 9421 HTTP Message Signatures — policy-free parsing, signature base and verification.

Includes a small RFC 8941 structured-field parser/serialiser covering what
``Signature-Input``/``Signature``/``Content-Digest`` need (dictionaries, inner lists,
parameters, strings, tokens, integers, decimals, booleans, byte sequences).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote

from ._common import (
    SUPPORTED_ALGS,
    KeyMaterial,
    SignatureError,
    algs_for_key,
    check_digest_values,
    load_private_key,
    load_public_key,
    normalize_headers,
    sign_with,
    split_url,
    verify_with,
)


@dataclass(frozen=True)
class Token:
    value: str


# --------------------------------------------------------------------------- RFC 8941

_KEY_RE = re.compile(r"[a-z*][a-z0-9_.*-]*")
_TOKEN_RE = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_NUM_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")


class _Parser:
    def __init__(self, text: str):
        self.s, self.i = text, 0

    def fail(self, what: str):
        raise SignatureError("signature_malformed", f"structured field: {what} at {self.i}")

    def ws(self, chars: str = " ") -> None:
        while self.i < len(self.s) and self.s[self.i] in chars:
            self.i += 1

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def key(self) -> str:
        m = _KEY_RE.match(self.s, self.i) or self.fail("key expected")
        self.i = m.end()
        return m.group()

    def bare_item(self) -> Any:
        c = self.peek()
        if c == '"':
            out, self.i = [], self.i + 1
            while self.i < len(self.s):
                c = self.s[self.i]
                self.i += 1
                if c == "\\":
                    out.append(self.s[self.i : self.i + 1])
                    self.i += 1
                elif c == '"':
                    return "".join(out)
                else:
                    out.append(c)
            self.fail("unterminated string")
        if c == ":":
            end = self.s.find(":", self.i + 1)
            if end < 0:
                self.fail("unterminated byte sequence")
            raw, self.i = self.s[self.i + 1 : end], end + 1
            try:
                return base64.b64decode(raw, validate=True)
            except ValueError:
                self.fail("bad base64")
        if c == "?":
            v, self.i = self.s[self.i + 1 : self.i + 2], self.i + 2
            return v == "1" if v in ("0", "1") else self.fail("bad boolean")
        m = _NUM_RE.match(self.s, self.i)
        if m:
            self.i = m.end()
            return float(m.group()) if m.group(1) else int(m.group())
        m = _TOKEN_RE.match(self.s, self.i) or self.fail("item expected")
        self.i = m.end()
        return Token(m.group())

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        while self.peek() == ";":
            self.i += 1
            self.ws()
            k = self.key()
            if self.peek() == "=":
                self.i += 1
                out[k] = self.bare_item()
            else:
                out[k] = True
        return out

    def item_or_inner_list(self) -> tuple[Any, dict[str, Any]]:
        if self.peek() == "(":
            self.i += 1
            items = []
            while True:
                self.ws()
                if self.peek() == ")":
                    self.i += 1
                    break
                items.append((self.bare_item(), self.params()))
                if self.peek() not in (" ", ")"):
                    self.fail("bad inner list")
            return items, self.params()
        return self.bare_item(), self.params()

    def dictionary(self) -> dict[str, tuple[Any, dict[str, Any]]]:
        out: dict[str, tuple[Any, dict[str, Any]]] = {}
        self.ws()
        while self.i < len(self.s):
            k = self.key()
            if self.peek() == "=":
                self.i += 1
                out[k] = self.item_or_inner_list()
            else:
                out[k] = (True, self.params())
            self.ws(" \t")
            if self.i >= len(self.s):
                break
            if self.peek() != ",":
                self.fail("',' expected")
            self.i += 1
            self.ws(" \t")
            if self.i >= len(self.s):
                self.fail("trailing comma")
        return out


def parse_sf_dictionary(value: str) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Parse an RFC 8941 Dictionary: ``{key: (item_or_inner_list, params)}``."""
    return _Parser(value.strip()).dictionary()


def serialize_bare_item(v: Any) -> str:
    if v is True or v is False:
        return "?1" if v else "?0"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if v != int(v) else f"{int(v)}.0"
    if isinstance(v, Token):
        return v.value
    if isinstance(v, (bytes, bytearray)):
        return ":" + base64.b64encode(v).decode("ascii") + ":"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def serialize_params(params: dict[str, Any]) -> str:
    return "".join(
        f";{k}" if v is True else f";{k}={serialize_bare_item(v)}" for k, v in params.items()
    )


def serialize_inner_list(items: list[tuple[Any, dict[str, Any]]], params: dict[str, Any]) -> str:
    inner = " ".join(serialize_bare_item(v) + serialize_params(p) for v, p in items)
    return f"({inner}){serialize_params(params)}"


# --------------------------------------------------------------------------- signatures


@dataclass(frozen=True)
class Rfc9421Signature:
    """One labelled signature: its covered components, parameters and signature bytes."""

    label: str
    components: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]  # (name, params) in order
    params: dict[str, Any]
    signature: bytes

    @property
    def covered(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.components)

    @property
    def signature_params(self) -> str:
        """Serialised ``@signature-params`` value."""
        return serialize_inner_list([(n, dict(p)) for n, p in self.components], self.params)


def parse_rfc9421_signatures(headers: Any) -> list[Rfc9421Signature]:
    """All signatures in ``Signature-Input``/``Signature``, in Signature-Input order."""
    h = normalize_headers(headers)
    if "signature-input" not in h:
        return []
    inputs = parse_sf_dictionary(h["signature-input"])
    sigs = parse_sf_dictionary(h.get("signature", ""))
    out = []
    for label, (members, params) in inputs.items():
        if not isinstance(members, list):
            raise SignatureError(
                "signature_malformed", f"Signature-Input {label!r} is not an inner list"
            )
        sig = sigs.get(label, (None, {}))[0]
        if not isinstance(sig, bytes):
            raise SignatureError("signature_missing", f"no Signature value for label {label!r}")
        comps = []
        for name, cparams in members:
            if not isinstance(name, str):
                raise SignatureError("signature_malformed", "component identifiers must be strings")
            comps.append((name, tuple(cparams.items())))
        out.append(Rfc9421Signature(label, tuple(comps), params, sig))
    return out


def _component_value(
    name: str,
    cparams: dict[str, Any],
    method: str | None,
    url: str | None,
    h: dict[str, str],
    status: int | None,
) -> str:
    if not name.startswith("@"):
        if cparams:  # ;sf ;key ;bs ;req ;tr are not needed by Archipel
            raise SignatureError(
                "signature_malformed", f"unsupported component parameters on {name!r}"
            )
        if name not in h:
            raise SignatureError("header_missing", f"covered header {name!r} is absent")
        return h[name]
    if name == "@status":
        if status is None:
            raise SignatureError("signature_malformed", "@status only applies to responses")
        return str(status)
    if name == "@method":
        if method is None:
            raise SignatureError("signature_malformed", "@method needs a request")
        return method
    if url is None:
        raise SignatureError("signature_malformed", f"{name} needs a request URL")
    scheme, netloc, path, query = split_url(url)
    if name == "@target-uri":
        return url
    if name == "@authority":
        host = netloc.lower()
        for default in (":80",) if scheme == "http" else (":443",) if scheme == "https" else ():
            host = host.removesuffix(default)
        return host
    if name == "@scheme":
        return scheme
    if name == "@request-target":
        return f"{path}?{query}" if query else path
    if name == "@path":
        return path
    if name == "@query":
        return f"?{query}"
    if name == "@query-param":
        wanted = cparams.get("name")
        if not isinstance(wanted, str):
            raise SignatureError("signature_malformed", "@query-param needs a name parameter")
        values = [
            v for k, v in parse_qsl(query, keep_blank_values=True) if quote(k, safe="") == wanted
        ]
        if len(values) != 1:
            raise SignatureError("header_missing", f"query parameter {wanted!r} absent or repeated")
        return quote(values[0], safe="")
    raise SignatureError("signature_malformed", f"unsupported derived component {name!r}")


def rfc9421_signature_base(
    sig: Rfc9421Signature,
    *,
    method: str | None = None,
    url: str | None = None,
    headers: Any = None,
    status: int | None = None,
) -> str:
    """The RFC 9421 signature base for ``sig`` over the actual message (LF-joined, no final LF).

    Pass ``method``+``url`` for a request, ``status`` for a response (``@status``).
    """
    h = normalize_headers(headers)
    lines = []
    for name, cparams in sig.components:
        cid = serialize_bare_item(name) + serialize_params(dict(cparams))
        lines.append(f"{cid}: {_component_value(name, dict(cparams), method, url, h, status)}")
    lines.append(f'"@signature-params": {sig.signature_params}')
    return "\n".join(lines)


def _key_for(alg: str, key: KeyMaterial) -> Any:
    return (
        bytes(key)
        if alg == "hmac-sha256" and isinstance(key, (bytes, bytearray))
        else load_public_key(key)
    )


def verify_rfc9421_base(
    base: str, signature: bytes, key: KeyMaterial, alg: str | None = None
) -> str | None:
    """Check ``signature`` over ``base``; returns the algorithm that verified, else None.

    ``key`` is a PEM public key, or raw secret bytes for ``hmac-sha256``. Without ``alg`` the
    algorithm is inferred from the key type (RSA: rsa-v1_5-sha256 then rsa-pss-sha512).
    """
    if alg is not None and alg not in SUPPORTED_ALGS:
        raise SignatureError("algorithm_unsupported", f"alg {alg!r} is not supported")
    k = _key_for(alg or "", key)
    data = base.encode("utf-8")
    for candidate in (alg,) if alg else algs_for_key(k):
        if verify_with(candidate, k, data, signature):
            return candidate
    return None


def verify_rfc9421_signature(
    method: str | None,
    url: str | None,
    headers: Any,
    key: KeyMaterial,
    *,
    label: str | None = None,
    alg: str | None = None,
    status: int | None = None,
) -> str | None:
    """Policy-free RFC 9421 check over the actual message.

    Picks ``label`` (default: first in Signature-Input), rebuilds the signature base from
    ``method``/``url``/``headers`` (or ``status`` for a response) and verifies it. The
    algorithm comes from ``alg``, else the signature's ``alg`` parameter, else the key type.
    Returns the algorithm that verified, or None. No freshness/coverage/digest policy.
    """
    sigs = parse_rfc9421_signatures(headers)
    chosen = next((s for s in sigs if label is None or s.label == label), None)
    if chosen is None:
        raise SignatureError("signature_missing", "no matching RFC 9421 signature")
    base = rfc9421_signature_base(chosen, method=method, url=url, headers=headers, status=status)
    declared = chosen.params.get("alg")
    return verify_rfc9421_base(
        base, chosen.signature, key, alg or (declared if isinstance(declared, str) else None)
    )


def sign_rfc9421_base(base: str, private_key: KeyMaterial, alg: str) -> str:
    """Sign a signature base (base64 result). ``private_key``: PEM, or raw bytes for HMAC."""
    k = bytes(private_key) if alg == "hmac-sha256" else load_private_key(private_key)
    return base64.b64encode(sign_with(alg, k, base.encode("utf-8"))).decode("ascii")


def check_content_digest(value: str, body: bytes) -> None:
    """Verify an RFC 9530 ``Content-Digest`` (sha-256 / sha-512) against ``body``."""
    pairs = []
    for alg, (v, _) in parse_sf_dictionary(value).items():
        if not isinstance(v, bytes):
            raise SignatureError(
                "signature_malformed", "Content-Digest values must be byte sequences"
            )
        pairs.append((alg, v))
    check_digest_values(pairs, body, "Content-Digest")
