"""Authentication at the gateway: HTTP signatures (server-to-server) and bearer
tokens (client-to-server). Returns who the requester is; never trusts a header
that names an identity.

Resolving an unknown signature key means a fetch from wherever its ``keyId`` points:
those fetches are bounded (``fedkit.protocol.key_fetch``), and when none may run now the request
is answered 503 with ``Retry-After`` at once rather than waiting."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Request

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol import httpsig
from fedkit.protocol.actors import resolve_key
from fedkit.protocol.key_fetch import KeyFetchRefused
from fedkit.runtime import metrics
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.responses import error

log = logging.getLogger(__name__)


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.retry_after = retry_after

    def response(self):
        resp = error(self.status, self.code, str(self))
        if self.retry_after is not None:
            resp.headers["Retry-After"] = str(self.retry_after)
        return resp


@dataclass
class Identity:
    signer: str | None = None
    user: str | None = None
    scopes: str = ""


def verify_signature(req: Request, body: bytes, config: Config,
                     accept: Callable[[str], bool] | None = None) -> str:
    """Verify the request's HTTP signature; return the actor id that owns the key. With
    ``accept``, a key it refuses is not even resolved (the signature does not verify)."""
    owners: dict[str, str] = {}

    def _resolve(key_id: str, refresh: bool):
        if accept is not None and not accept(key_id):
            return None
        found = resolve_key(key_id, config, refresh=refresh)
        if found is None:
            return None
        owners[key_id] = found[0]
        return found[1]

    url = config.base_url + req.full_path.rstrip("?")
    # The signed host is checked against this node's own authority, not the Host header
    # the sender chose: a delivery signed for another server and replayed here with that
    # server's Host does not verify (RFC 9421's @authority already comes from ``url``).
    headers = [(k, v) for k, v in req.headers.items() if k.lower() != "host"] + [("Host", config.host)]
    try:
        verified = httpsig.verify_request(
            req.method, url, headers, body if body else None,
            resolve_key=_resolve, max_skew=config.signature_max_skew,
        )
    except httpsig.SignatureError as exc:
        metrics.SIGNATURE_FAILURES.labels(exc.code).inc()  # the codes are a fixed set (httpsig)
        raise AuthError(401, exc.code, str(exc)) from None
    except KeyFetchRefused as exc:  # the sender retries a 5xx; a 401 would be final
        metrics.SIGNATURE_FAILURES.labels(exc.code).inc()
        raise AuthError(503, exc.code, str(exc), retry_after=exc.retry_after) from None
    return owners[verified.key_id]


def bearer_identity(req: Request, internal: InternalClient) -> Identity | None:
    header = req.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    token = header[7:].strip()
    try:
        info = IdentityClient(internal).introspect(token)
    except Exception as exc:
        log.error("token introspection failed: %s", type(exc).__name__)
        raise AuthError(503, "identity_unavailable", "cannot check the token now") from None
    if not info.get("active"):
        raise AuthError(401, "invalid_token", "the access token is invalid, revoked or expired")
    return Identity(user=info["username"], scopes=info.get("scope", ""))
