"""Cross-origin requests from browser apps (Elk, Phanpy, Pinafore…), as Mastodon allows them
(config/initializers/cors.rb): any origin, without credentials, on the paths an app calls
with a bearer token — the client API, the token and revocation endpoints, discovery.

Bearer tokens are never sent by a browser on its own, so ``*`` opens nothing a page could
not already reach; the cookie-authenticated pages (``/login``, ``/oauth/authorize``) stay
same-origin."""

from __future__ import annotations

import re

from flask import Response, request

CORS_PATHS = re.compile(r"^/(api/.+|oauth/(token|revoke)|\.well-known/.+|nodeinfo/.+)$")
METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
# What an app's script may read from an answer: paging and rate limits.
EXPOSED = "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
PREFLIGHT_MAX_AGE = "7200"


def _cross_origin() -> bool:
    return bool(request.headers.get("Origin")) and CORS_PATHS.match(request.path) is not None


def install_cors(app) -> None:
    @app.before_request
    def _preflight():
        """A preflight is answered here, before authentication: it carries no credential."""
        if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method") and _cross_origin():
            resp = Response(status=204)
            resp.headers["Access-Control-Allow-Origin"] = "*"
            resp.headers["Access-Control-Allow-Methods"] = METHODS
            resp.headers["Access-Control-Allow-Headers"] = request.headers.get("Access-Control-Request-Headers",
                                                                              "")[:1000]
            resp.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
            return resp
        return None

    @app.after_request
    def _allow(resp: Response) -> Response:
        if _cross_origin():
            resp.headers["Access-Control-Allow-Origin"] = "*"
            resp.headers["Access-Control-Expose-Headers"] = EXPOSED
        return resp
