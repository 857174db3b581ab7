"""Communities service: Group actors (FEP-1b12). This first slice only answers the
listing; membership, roles and visibility arrive with the communities issue."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify

from fedkit.config import Config
from fedkit.service import create_service_app

bp = Blueprint("communities", __name__)


@bp.get("/communities")
def list_communities():
    return jsonify([])


def create_app(config: Config | dict | None = None) -> Flask:
    return create_service_app(__name__, "communities", config, blueprints=(bp,))
