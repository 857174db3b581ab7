"""How the gateway passes a verified identity to the services of its node, and how
services call each other over internal HTTP (each service's typed client, on this
transport, is declared in fedkit.contracts).

The gateway strips every ``X-Archipel-*`` header that came from outside, then sets:
- ``X-Archipel-Internal``: the node's internal secret (services refuse requests without it)
- ``X-Archipel-Signer``: actor id whose HTTP signature was verified (server-to-server)
- ``X-Archipel-User``: local username of a verified bearer token or session (client-to-server)
- ``X-Archipel-Scopes``: space-separated OAuth scopes of that token
- ``X-Archipel-Viewer``: the requester's kind for the visibility policy
  (``local``, ``inside``, ``outside``, ``anonymous``; see fedkit.rules.policy)
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import wraps

import requests
from flask import abort, current_app, g, request
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from fedkit.rules.scopes import grants
from fedkit.runtime import inproc
from fedkit.runtime.config import Config
from fedkit.runtime.health import PATHS as OPS_PATHS
from fedkit.runtime.http import cookieless_session
from fedkit.runtime.responses import error

HEADER_PREFIX = "X-Archipel-"
INTERNAL = "X-Archipel-Internal"
SIGNER = "X-Archipel-Signer"
USER = "X-Archipel-User"
SCOPES = "X-Archipel-Scopes"
VIEWER = "X-Archipel-Viewer"


def identity_headers(*, secret: str | None = None, signer: str | None = None, user: str | None = None,
                     scopes: str | None = None, viewer: str | None = None) -> dict[str, str]:
    """The internal identity headers, the only place they are built: the node's secret
    (proves the call comes from inside), then whoever the caller vouches for. Empty
    values are left out (the service reads them as absent)."""
    headers = {INTERNAL: secret, SIGNER: signer, USER: user, SCOPES: scopes, VIEWER: viewer}
    return {name: value for name, value in headers.items() if value}


@dataclass(frozen=True)
class Requester:
    signer: str | None  # remote or local actor id proven by an HTTP signature
    user: str | None  # local username proven by a token
    scopes: frozenset[str]
    viewer_kind: str = "anonymous"

    def has_scope(self, scope: str) -> bool:
        """Does the token allow what needs ``scope`` (a granular scope)? Mastodon's rule,
        fedkit.rules.scopes.grants: "write" covers "write:statuses", never the reverse."""
        return grants(self.scopes, scope)


def install_internal_guard(app) -> None:
    """Every service request must carry the node's internal secret; exposes ``g.requester``."""

    @app.before_request
    def _guard():
        if request.path in OPS_PATHS:  # probes and scrapers hold no secret (fedkit/runtime/health.py)
            return
        secret = app.config["ARCHIPEL"].internal_secret
        if not hmac.compare_digest(request.headers.get(INTERNAL, ""), secret):
            abort(403)
        g.requester = Requester(
            signer=request.headers.get(SIGNER) or None,
            user=request.headers.get(USER) or None,
            scopes=frozenset(request.headers.get(SCOPES, "").split()),
            viewer_kind=request.headers.get(VIEWER, "anonymous"),
        )


def require_user(scope: str | None = None):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            req: Requester = g.requester
            if not req.user:
                return error(401, "unauthorized", "a bearer token is required")
            if scope and not req.has_scope(scope):
                return error(403, "insufficient_scope", f"needs scope {scope}")
            return view(*args, **kwargs)

        return wrapper

    return decorator


class InternalClient:
    """Calls another service of the same node with the internal secret."""

    def __init__(self, config: Config):
        self.config = config
        self.session = cookieless_session(internal=True)
        # A kept-alive connection the service has just closed fails on reuse (connection
        # reset): retry once on a new one. Internal calls are idempotent by design (ids).
        retry = Retry(total=2, connect=2, read=1, status=0, other=0, allowed_methods=None,
                      backoff_factor=0.05, raise_on_status=False)
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))
        inproc.mount_into(self.session)  # the compact layout's services, called in-process

    def _url(self, service: str, path: str) -> str:
        base = getattr(self.config, f"{service}_url")
        return base + path

    def request(self, method: str, service: str, path: str, **kwargs) -> requests.Response:
        headers = {**(kwargs.pop("headers", {}) or {}), **identity_headers(secret=self.config.internal_secret)}
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self._url(service, path), headers=headers, **kwargs)

    def get_json(self, service: str, path: str, **kwargs):
        resp = self.request("GET", service, path, **kwargs)
        resp.raise_for_status()
        return resp.json()

    def post_json(self, service: str, path: str, payload, **kwargs):
        resp = self.request("POST", service, path, json=payload, **kwargs)
        resp.raise_for_status()
        return resp.json() if resp.content else None


def internal_client() -> InternalClient:
    """The per-app internal client (one keep-alive session per process)."""
    app = current_app
    client = app.extensions.get("archipel_internal")
    if client is None:
        client = app.extensions["archipel_internal"] = InternalClient(app.config["ARCHIPEL"])
    return client
