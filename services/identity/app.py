"""Identity service: local actors, keys, WebFinger, NodeInfo, OAuth."""

from __future__ import annotations

import datetime as dt
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from fedkit.runtime.config import Config
from fedkit.runtime.service import create_service_app


def create_app(config: Config | dict | None = None) -> Flask:
    from services.identity import (
        account_search,
        authorizations_api,
        discovery,
        internal_api,
        oauth,
        scim,
        signin,
        sso,
    )

    app = create_service_app(__name__, "identity", config,
                             blueprints=(discovery.bp, oauth.bp, signin.bp, sso.bp, internal_api.bp,
                                         scim.bp,  # SCIM 2.0 at /scim/v2 (scim.py)
                                         account_search.bp, authorizations_api.bp))
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
    return app
