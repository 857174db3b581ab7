"""What every internal service's ``create_app`` shares: config, logging, database,
the internal-secret guard, the queue broker, and the operations endpoints (``/livez``,
``/readyz``, ``/metrics``) with the request metrics."""

from __future__ import annotations

from flask import Flask

from fedkit.rules.federation_policy import check_policy_file
from fedkit.runtime import health, metrics
from fedkit.runtime.config import Config, load_config
from fedkit.runtime.db import connect_db
from fedkit.runtime.internal import install_internal_guard
from fedkit.runtime.logs import setup_logging


def create_service_app(import_name: str, process: str, config: Config | dict | None, *,
                       broker=None, needs_queue: bool = False, blueprints=(),
                       static_url_path: str | None = None, machines=()) -> Flask:
    """``machines``: the lease machines of the documents this service owns, reported by
    state at each scrape (``archipel_tasks``)."""
    cfg = load_config(config, needs_secret_key=process == "identity")
    setup_logging(process, cfg)
    app = Flask(import_name, static_url_path=static_url_path)
    app.config["ARCHIPEL"] = cfg
    app.config["MAX_CONTENT_LENGTH"] = cfg.max_body_bytes
    if needs_queue:
        from fedkit.runtime.queue import make_broker

        app.extensions["archipel_broker"] = broker or make_broker(cfg)
    connect_db(cfg)
    check_policy_file(cfg)  # an invalid federation policy stops the process at start
    metrics.instrument(app, process)
    metrics.watch_machines(*machines)
    install_internal_guard(app)
    # Redis is reported, not required: a service keeps serving without it (health.py).
    health.install(app, cfg, health.Readiness(*health.standard_checks(cfg, needs_redis=False)))
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app

