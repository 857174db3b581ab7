"""Until a user has accepted the usage charter in force (fedkit/rules/charter.py), the
client API refuses their writes — every POST, PUT, PATCH and DELETE under /api/v1 and
/api/v2 — with 403 and an error naming the charter and where to accept it; reads still
work. Accepting, signing out and revoking tokens are identity's routes, never refused.
The check itself is fedkit/rules/charter_gate.py, shared with ActivityPub C2S posting."""

from __future__ import annotations

from flask import current_app, g, request

from fedkit.rules import charter_gate
from fedkit.rules.charter import CharterError
from services.api import upstream
from services.api.errors import api_error

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
GUARDED = ("/api/v1/", "/api/v2/")
# Reporting abuse (harassment, a leak) never waits for the charter: the report may be the
# reason the person opened the app at all.
NEVER_REFUSED = ("/api/v1/reports",)


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
            refused = charter_gate.refusal(current_app.config["ARCHIPEL"], user, upstream.accepted_charter)
        except CharterError as exc:
            current_app.logger.error("%s", exc)
            return api_error(503, "The usage charter cannot be read now", "try again later")
        if refused is None:
            return None
        return api_error(403, refused.message,
                         f"{charter_gate.CODE}: version {refused.version} of the usage charter is not accepted yet")
