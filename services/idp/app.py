"""The group's OpenID provider as a Flask application, run by gunicorn:

    ARCHIPEL_IDP_URL=http://127.0.0.1:8000 ARCHIPEL_DEV_MODE=1 MONGODB_URI=... \\
        python -m gunicorn --bind 127.0.0.1:8000 'services.idp.app:create_app()'

It is the group's own public service, not behind a node gateway.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from fedkit.runtime.db import connect_db
from fedkit.runtime.i18n import init_babel
from fedkit.runtime.logs import setup_logging
from services.idp.config import IdPConfig, load_config


class _LazyKeySessions(SecureCookieSessionInterface):
    """Signed-cookie sessions whose key is read (or made) on first use, not when the
    application is built: ``ARCHIPEL_IDP_SECRET_KEY``, else the one kept in the database."""

    def __init__(self, load_key):
        self._load_key = load_key

    def get_signing_serializer(self, app):
        if not app.secret_key:
            app.secret_key = self._load_key()
        return super().get_signing_serializer(app)


def create_app(config: IdPConfig | dict | None = None) -> Flask:
    from services.idp import keys, provider, views

    cfg = load_config(config)
    setup_logging("idp", cfg)
    if cfg.dev_mode:
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    app = Flask(__name__, static_url_path="/static")
    app.config["ARCHIPEL_IDP"] = cfg
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    app.config["SESSION_COOKIE_NAME"] = "archipel_idp"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = cfg.base_url.startswith("https://")
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=cfg.session_seconds)
    if cfg.trusted_proxies:
        n = cfg.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    connect_db(cfg)  # its own database (ARCHIPEL_IDP_DB); connects lazily
    app.extensions["archipel_idp_server"] = provider.init_server(app, cfg)
    app.register_blueprint(views.bp)
    init_babel(app, Path(__file__).resolve().parent / "translations")  # pages in en/fr/de
    app.context_processor(lambda: {"lang": str(get_locale() or "en")})

    app.session_interface = _LazyKeySessions(lambda: keys.session_secret(cfg.secret_key))

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            response.headers["X-Frame-Options"] = "DENY"
            # its own stylesheet only, no script; no form-action: the login form's answer is
            # a redirect to the node that asked (browsers apply form-action to it too)
            response.headers["Content-Security-Policy"] = (
                "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'")
            response.vary.add("Accept-Language")
        if request.endpoint in ("idp.authorize", "idp.logout", "idp.token", "idp.userinfo"):
            response.headers["Cache-Control"] = "no-store"
        return response

    return app
