"""Until a user has accepted the usage charter in force (fedkit/rules/charter.py), the
client API refuses their writes — every POST, PUT, PATCH and DELETE under /api/v1 and
/api/v2 — with 403 and an error naming the charter and where to accept it; reads still
work. Accepting, signing out and revoking tokens are identity's routes, never refused.

Cheap on the write path: the charter's version comes from the configured files (a stat
each); identity is asked only for a user whose acceptance of that version this process
has not seen in the last ``CACHE_SECONDS``. Only an acceptance is remembered, so a new
version, or a user who just accepted, takes effect on the next request."""

from __future__ import annotations

import threading
import time

from flask import current_app, g, request

from fedkit.contracts.identity import CHARTER, CHARTER_ACCEPT
from fedkit.rules.charter import CharterError, current_charter
from services.api import upstream
from services.api.errors import api_error

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
GUARDED = ("/api/v1/", "/api/v2/")
# Reporting abuse (harassment, a leak) never waits for the charter: the report may be the
# reason the person opened the app at all.
NEVER_REFUSED = ("/api/v1/reports",)
CACHE_SECONDS = 30.0
WEB_PAGE = "/web/charter"  # services/web/charter_pages.py

_accepted: dict[str, tuple[float, str]] = {}  # username -> (remembered until, version accepted)
_lock = threading.Lock()

MESSAGE = ("You must accept the usage charter before writing: read it at {web} or GET {read}, "
           "then accept it there or with POST {accept} {{\"version\": \"{version}\"}}")


def has_accepted(username: str, version: str) -> bool:
    with _lock:
        until, seen = _accepted.get(username, (0.0, ""))
    if seen == version and until > time.monotonic():
        return True
    if upstream.accepted_charter(username) != version:
        return False
    with _lock:
        _accepted[username] = (time.monotonic() + CACHE_SECONDS, version)
    return True


def install_charter_guard(app) -> None:
    @app.before_request
    def _charter_accepted():
        requester = g.get("requester")  # absent on the probes and /metrics (fedkit/runtime/health.py)
        user = requester.user if requester else None
        if request.method not in WRITES or not user or not request.path.startswith(GUARDED):
            return None
        if request.path.rstrip("/") in NEVER_REFUSED:
            return None
        try:
            version = current_charter(current_app.config["ARCHIPEL"]).version
        except CharterError as exc:
            current_app.logger.error("%s", exc)
            return api_error(503, "The usage charter cannot be read now", "try again later")
        if version is None or has_accepted(user, version):
            return None
        base = current_app.config["ARCHIPEL"].base_url
        return api_error(403, MESSAGE.format(web=base + WEB_PAGE, read=CHARTER, accept=CHARTER_ACCEPT, version=version),
                         f"charter_not_accepted: version {version} of the usage charter is not accepted yet")
