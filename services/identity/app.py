"""Identity service: local actors, keys, WebFinger, NodeInfo, OAuth."""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from fedkit.config import Config, load_config
from fedkit.db import connect_db
from fedkit.internal import install_internal_guard
from fedkit.logs import setup_logging


def create_app(config: Config | dict | None = None) -> Flask:
    cfg = load_config(config)
    setup_logging("identity", cfg)
    if cfg.dev_mode:
        os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    app = Flask(__name__)
    # Only the gateway reaches this service (internal secret); it tells the public scheme and host.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_proto=1, x_host=1)
    app.config["ARCHIPEL"] = cfg
    app.config["SECRET_KEY"] = cfg.secret_key
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = cfg.base_url.startswith("https://")
    connect_db(cfg)
    install_internal_guard(app)

    from services.identity import discovery, internal_api, oauth

    oauth.init_oauth(app)
    app.register_blueprint(discovery.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(internal_api.bp)
    return app
