"""Search service: answers queries on the node's full-text index (services/search/engine.py);
its indexer (indexer.py) runs in the worker process."""

from __future__ import annotations

from flask import Flask

from fedkit.runtime.config import Config
from fedkit.runtime.service import create_service_app


def create_app(config: Config | dict | None = None) -> Flask:
    from services.search import api

    return create_service_app(__name__, "search", config, blueprints=(api.bp,))
