"""Identity service: local actors, keys, WebFinger, NodeInfo, OAuth."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from fedkit.runtime.config import Config
from fedkit.runtime.i18n import init_babel
from fedkit.runtime.service import create_service_app


def create_app(config: Config | dict | None = None) -> Flask:
    from services.identity import (
        account_search,
        authorizations_api,
        charter_api,
        discovery,
        erasure_api,
        internal_api,
        oauth,
        people_directory,
        scim,
        signin,
        sso,
        usage_api,
    )

    app = create_service_app(__name__, "identity", config,
                             blueprints=(discovery.bp, oauth.bp, signin.bp, sso.bp, internal_api.bp,
                                         scim.bp,  # SCIM 2.0 at /scim/v2 (scim.py)
                                         account_search.bp, authorizations_api.bp, charter_api.bp,
                                         people_directory.bp,  # /directory/people, /api/archipel/people
                                         usage_api.bp,  # usage figures (internal)
                                         erasure_api.bp))  # legal holds, erasures (internal)
    cfg = app.config["ARCHIPEL"]
    if cfg.dev_mode:
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    # Only the gateway reaches this service (internal secret); it tells the client's address
    # (sign-in throttling), the public scheme and host.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.config["SECRET_KEY"] = cfg.secret_key
    # One cookie name per node: nodes sharing a host name (the loopback demo) keep apart.
    app.config["SESSION_COOKIE_NAME"] = f"archipel_{cfg.node_name}_session"
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=cfg.session_hours)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = cfg.base_url.startswith("https://")
    oauth.init_oauth(app)
    init_pages(app)
    return app


# The sign-in pages: this origin's stylesheet only, no script, no framing. No form-action:
# the consent form's answer is a redirect to the app, which may be any https or custom-scheme
# address (browsers apply form-action to the redirect too).
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
       "base-uri 'none'")


def init_pages(app: Flask) -> None:
    """The HTML pages in the reader's language (translations/, en/fr/de), with a strict policy."""
    from flask_babel import get_locale

    init_babel(app, Path(__file__).resolve().parent / "translations")
    app.context_processor(lambda: {"lang": str(get_locale() or "en")})

    @app.after_request
    def _page_headers(response):
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Cache-Control", "no-store")
            response.vary.add("Accept-Language")
        return response
