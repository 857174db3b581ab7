"""Communities service: Group actors (FEP-1b12). This first slice only answers the
listing; membership, roles and visibility arrive with the communities issue."""

from __future__ import annotations

from flask import Flask, jsonify

from fedkit.config import Config, load_config
from fedkit.internal import install_internal_guard
from fedkit.logs import setup_logging


def create_app(config: Config | dict | None = None) -> Flask:
    cfg = load_config(config)
    setup_logging("communities", cfg)
    app = Flask(__name__)
    app.config["ARCHIPEL"] = cfg
    install_internal_guard(app)

    @app.get("/communities")
    def list_communities():
        return jsonify([])

    return app
