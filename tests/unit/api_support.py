"""In-process calls to the client API (services/api) of the ``node`` fixture, as an app
signed in as a local user makes them: a bearer token the gateway checks with identity."""

from __future__ import annotations

import hashlib
import secrets

SCOPES = "read write follow"


class ApiUser:
    """A local user's app: ``get``/``post``/``put``/``patch`` through the node's gateway."""

    def __init__(self, node, username: str, scopes: str = SCOPES):
        from services.identity.models import OAuthToken

        self.node, self.username = node, username
        token = secrets.token_urlsafe(16)
        OAuthToken(access_token_hash=hashlib.sha256(token.encode()).hexdigest(), client_id="test-app",
                   username=username, scope=scopes).save()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs):
        return self.node.gateway.get(path, headers=self.headers, base_url=self.node.base, **kwargs)

    def post(self, path: str, **kwargs):
        return self.node.gateway.post(path, headers=self.headers, base_url=self.node.base, **kwargs)

    def put(self, path: str, **kwargs):
        return self.node.gateway.put(path, headers=self.headers, base_url=self.node.base, **kwargs)

    def patch(self, path: str, **kwargs):
        return self.node.gateway.patch(path, headers=self.headers, base_url=self.node.base, **kwargs)


def api_user(node, username: str, scopes: str = SCOPES) -> ApiUser:
    """A local account (created) and its app's token."""
    node.local_user(username)
    return ApiUser(node, username, scopes)
