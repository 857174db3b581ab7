"""The operations endpoints every process answers: ``/livez``, ``/readyz`` and ``/metrics``.

* ``/livez`` — the process answers: 200 at once, nothing checked (Kubernetes' liveness
  probe restarts a process that stops answering, not one whose database is down).
* ``/readyz`` — the process can serve: 200, or 503 naming each dependency that failed
  (``{"status": "unavailable", "failed": ["database"], ...}``). Checked: the database
  answers a ping, ``deploy.migrate`` has run (its marker, ``MIGRATIONS``), and, for the
  processes that cannot work without it, Redis answers a ping. The HTTP services only
  report Redis: they keep serving without it (the inbox stores directly, the gateway
  stops rate limiting), so a Redis outage must not take them out of their Service.
  A result is reused for ``READY_CACHE_SECONDS``, so probes and anonymous callers cost
  at most one ping of each dependency per second and process.
* ``/metrics`` — Prometheus' text format (``fedkit/runtime/metrics.py``), only for a
  scraper: a client address in ``ARCHIPEL_METRICS_NETWORKS`` (default loopback) or a
  request bearing ``Authorization: Bearer <ARCHIPEL_METRICS_TOKEN>``. Anyone else gets
  the 404 of an unknown path (the gateway's port is public).

The internal services answer these paths without the internal secret (``fedkit/runtime/
internal.py`` lets them through): a probe or a scraper holds no such secret.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask, Response, g, jsonify, request

from fedkit.runtime import metrics
from fedkit.runtime.config import Config
from fedkit.runtime.responses import error

log = logging.getLogger(__name__)

LIVE, READY, METRICS = "/livez", "/readyz", "/metrics"
PATHS = frozenset({LIVE, READY, METRICS})
READY_CACHE_SECONDS = 1.0
CHECK_TIMEOUT = 2.0  # seconds a dependency has to answer (kubelet's probe timeout is longer)

# deploy.migrate writes this document once every index exists; /readyz waits for it.
MIGRATIONS = "archipel_migrations"
MIGRATIONS_ID = "indexes"
MIGRATIONS_VERSION = 1  # raise it when a migration must run before a new version serves


# -- who may read /metrics ----------------------------------------------------------------------
def metrics_allowed(address: str | None, authorization: str | None, config: Config) -> bool:
    """A scraper: its address is in one of the scrape networks, or it bears the metrics token."""
    token = config.metrics_token
    if token and authorization and authorization.startswith("Bearer ") and \
            hmac.compare_digest(authorization[7:].strip().encode(), token.encode()):
        return True
    try:
        ip = ipaddress.ip_address((address or "").split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in scrape_networks(config))


def scrape_networks(config: Config) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in config.metrics_networks)


def check_config(config: Config) -> None:
    """An invalid ARCHIPEL_METRICS_NETWORKS stops the process at start."""
    try:
        scrape_networks(config)
    except ValueError as exc:
        raise RuntimeError(f"ARCHIPEL_METRICS_NETWORKS: {exc}") from None


# -- readiness ----------------------------------------------------------------------------------
def database_check() -> None:
    import mongoengine
    import pymongo

    with pymongo.timeout(CHECK_TIMEOUT):  # bounds server selection too, not only the command
        mongoengine.get_db().command("ping")


def migrations_check() -> None:
    import mongoengine
    import pymongo

    with pymongo.timeout(CHECK_TIMEOUT):
        done = mongoengine.get_db()[MIGRATIONS].find_one({"_id": MIGRATIONS_ID})
    if not done or done.get("version", 0) < MIGRATIONS_VERSION:
        raise RuntimeError("python -m deploy.migrate has not run")


def mark_migrated(database) -> None:
    """``deploy.migrate``'s last step: the indexes are there."""
    from fedkit.runtime.clock import now

    database[MIGRATIONS].update_one({"_id": MIGRATIONS_ID},
                                    {"$set": {"version": MIGRATIONS_VERSION, "at": now()}}, upsert=True)


def redis_check(config: Config) -> Callable[[], None]:
    client = None

    def check() -> None:
        nonlocal client
        if client is None:
            import redis

            client = redis.Redis.from_url(config.redis_url, socket_timeout=CHECK_TIMEOUT,
                                          socket_connect_timeout=CHECK_TIMEOUT)
        client.ping()

    return check


def standard_checks(config: Config, *, needs_redis: bool) -> tuple[dict[str, Callable[[], None]], frozenset[str]]:
    """The checks of a node's process and which of them it cannot serve without."""
    checks = {"database": database_check, "migrations": migrations_check, "redis": redis_check(config)}
    required = {"database", "migrations"} | ({"redis"} if needs_redis else set())
    return checks, frozenset(required)


class Readiness:
    """Runs the checks, at most once per ``READY_CACHE_SECONDS``."""

    def __init__(self, checks: dict[str, Callable[[], None]], required: Iterable[str]):
        self.checks, self.required = checks, frozenset(required)
        self._lock = threading.Lock()
        self._last: tuple[float, int, dict] | None = None

    def run(self) -> tuple[int, dict]:
        with self._lock:
            if self._last is not None and time.monotonic() - self._last[0] < READY_CACHE_SECONDS:
                return self._last[1], self._last[2]
            results = {}
            for name, check in self.checks.items():
                try:
                    check()
                    results[name] = "ok"
                except Exception as exc:  # the class only: a message may hold a URI with credentials
                    results[name] = f"failed: {type(exc).__name__}"
            failed = sorted(name for name in self.required if results.get(name) != "ok")
            body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": results}
            status = 503 if failed else 200
            self._last = (time.monotonic(), status, body)
            return status, body


# -- the endpoints --------------------------------------------------------------------------------
def install(app: Flask, config: Config, readiness: Readiness) -> None:
    """Answer ``/livez``, ``/readyz`` and ``/metrics`` on ``app``."""
    check_config(config)
    ops = Blueprint("archipel_ops", __name__)

    @ops.get(LIVE)
    def livez():
        g.skip_audit = True
        return jsonify(status="ok")

    @ops.get(READY)
    def readyz():
        g.skip_audit = True
        status, body = readiness.run()
        return jsonify(body), status

    @ops.get(METRICS)
    def scrape():
        if not metrics_allowed(request.remote_addr, request.headers.get("Authorization"), config):
            return error(404, "not_found", "no such resource")
        g.skip_audit = True
        return Response(metrics.exposition(), content_type=metrics.CONTENT_TYPE)

    app.register_blueprint(ops)


def serve(config: Config, readiness: Readiness, host: str = "0.0.0.0") -> None:
    """A process without a web server of its own (a worker) answers the three paths on
    ``ARCHIPEL_METRICS_PORT``, from a thread (werkzeug's threaded server)."""
    from werkzeug.serving import make_server

    app = Flask("archipel_ops")
    install(app, config, readiness)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a log line per probe
    try:
        server = make_server(host, config.metrics_port, app, threaded=True)
    except OSError as exc:  # the work goes on; the probes will tell (and restart it in a pod)
        log.error("cannot answer /metrics, /livez, /readyz on port %s: %s", config.metrics_port, exc)
        return
    threading.Thread(target=server.serve_forever, name="ops-http", daemon=True).start()
