"""What a user has authorised: each live access token of theirs (one per app sign-in, the
web app's sessions included) with its app, scopes, when it was granted and when it was
last used, and revoking one (RFC 7009's effect, asked by the user rather than the app).

A token is named by a digest of its stored digest: stable, and useless as a credential.
Mastodon has no public API for this (its settings page lists "Authorized apps"), so it is
Archipel's own: services/identity/authorizations_api.py."""

from __future__ import annotations

import hashlib
import time

from services.identity.models import OAuthClient, OAuthToken

LAST_USED_STEP = 600  # seconds: the last use is noted at most this often per token
LISTED = 200  # a user's newest live tokens shown


def authorization_id(token: OAuthToken) -> str:
    return hashlib.sha256(f"authorization:{token.access_token_hash}".encode()).hexdigest()[:32]


def _live(username: str):
    return [t for t in OAuthToken.objects(username=username, revoked__ne=True).order_by("-issued_at").limit(LISTED)
            if not t.is_expired()]


def _iso(seconds: int | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds)) if seconds else None


def listed(username: str, current_hash: str | None) -> list[dict]:
    """The user's live authorisations, newest first; ``current`` marks the asking token."""
    tokens = _live(username)
    clients = {c.client_id: c for c in OAuthClient.objects(client_id__in=list({t.client_id for t in tokens}))}
    out = []
    for token in tokens:
        client = clients.get(token.client_id)
        out.append({"id": authorization_id(token),
                    "app": {"name": client.client_name if client else "", "website": client.website if client else None},
                    "scopes": token.scope.split(), "created_at": _iso(token.issued_at),
                    "last_used_at": _iso(token.last_used_at), "current": token.access_token_hash == current_hash})
    return out


def revoke(username: str, authorization: str) -> OAuthToken | None:
    """Revoke the user's live token of that id; None when they have none such."""
    for token in _live(username):
        if authorization_id(token) == authorization:
            OAuthToken.objects(access_token_hash=token.access_token_hash).update(set__revoked=True)
            return token
    return None


def note_use(token: OAuthToken) -> None:
    """Remember that the token was just used (token introspection calls this), at most once
    every LAST_USED_STEP seconds: a write now and then, not on every request."""
    now = int(time.time())
    if not token.last_used_at or token.last_used_at + LAST_USED_STEP <= now:
        OAuthToken.objects(access_token_hash=token.access_token_hash).update(set__last_used_at=now)
