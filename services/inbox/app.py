"""Inbox service: accepts verified activities, owns what users received and follow state."""

from __future__ import annotations

from flask import Flask

from fedkit.config import Config, load_config
from fedkit.db import connect_db
from fedkit.internal import install_internal_guard
from fedkit.logs import setup_logging
from fedkit.queue import make_broker


def create_app(config: Config | dict | None = None, broker=None) -> Flask:
    cfg = load_config(config)
    setup_logging("inbox", cfg)
    app = Flask(__name__)
    app.config["ARCHIPEL"] = cfg
    app.config["MAX_CONTENT_LENGTH"] = cfg.max_body_bytes
    app.extensions["archipel_broker"] = broker or make_broker(cfg)
    connect_db(cfg)
    install_internal_guard(app)

    from services.inbox import acceptance, collections_api, internal_api

    app.register_blueprint(acceptance.bp)
    app.register_blueprint(collections_api.bp)
    app.register_blueprint(internal_api.bp)
    return app
