"""What every internal service's ``create_app`` shares: config, logging, database,
the internal-secret guard, the queue broker, JSON error and AS2 responses."""

from __future__ import annotations

from flask import Flask, jsonify

from fedkit.config import Config, load_config
from fedkit.db import connect_db
from fedkit.internal import install_internal_guard
from fedkit.logs import setup_logging
from fedkit.vocab import AP_CONTENT_TYPE, with_context


def create_service_app(import_name: str, process: str, config: Config | dict | None, *,
                       broker=None, needs_queue: bool = False, blueprints=()) -> Flask:
    cfg = load_config(config)
    setup_logging(process, cfg)
    app = Flask(import_name)
    app.config["ARCHIPEL"] = cfg
    app.config["MAX_CONTENT_LENGTH"] = cfg.max_body_bytes
    if needs_queue:
        from fedkit.queue import make_broker

        app.extensions["archipel_broker"] = broker or make_broker(cfg)
    connect_db(cfg)
    install_internal_guard(app)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app


def error(status: int, code: str, message: str):
    """The one error shape of every API: a short machine-readable code and a sentence."""
    resp = jsonify(error=code, error_description=message)
    resp.status_code = status
    return resp


def activity_json(data: dict, status: int = 200):
    resp = jsonify(with_context(data))
    resp.status_code = status
    resp.headers["Content-Type"] = AP_CONTENT_TYPE
    return resp
