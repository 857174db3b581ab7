"""Who opens a stream: the access token as Mastodon's streaming API takes it — the
``access_token`` query parameter, an ``Authorization: Bearer`` header, or the
``Sec-WebSocket-Protocol`` header (browsers cannot set headers on a WebSocket) — checked by
identity, as the gateway checks every bearer token (fedkit.contracts.identity.introspect)."""

from __future__ import annotations

import logging

from fedkit.contracts.api import Reader
from fedkit.contracts.identity import IdentityClient

log = logging.getLogger(__name__)
MAX_TOKEN_LENGTH = 512


class Unavailable(Exception):
    """Identity did not answer (the client gets 503 and tries again)."""


def token_of(args, headers) -> tuple[str | None, bool]:
    """(the token, whether it came as the subprotocol the server must then select)."""
    token = args.get("access_token")
    if not token:
        header = headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
    from_protocol = False
    if not token and headers.get("Sec-WebSocket-Protocol"):
        token, from_protocol = headers["Sec-WebSocket-Protocol"].split(",")[0].strip(), True
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None, False
    return token, from_protocol


def reader_of(token: str, identity: IdentityClient) -> Reader | None:
    """The user and scopes of a live token; None when it is unknown, revoked or expired, or
    its account is closed (identity answers only for an active account)."""
    try:
        info = identity.introspect(token)
    except Exception as exc:
        log.error("token introspection failed: %s", type(exc).__name__)
        raise Unavailable() from None
    if not info.get("active") or not info.get("username"):
        return None
    return Reader(user=info["username"], scopes=frozenset(str(info.get("scope", "")).split()))
