"""Errors as Mastodon answers them: ``{"error": "<a sentence an app can show>"}`` with the
right status (docs.joinmastodon.org/entities/Error/), plus the project's
``error_description`` (fedkit/runtime/responses.py)."""

from __future__ import annotations

from werkzeug.exceptions import HTTPException

from fedkit.runtime.responses import error
from services.api.pagination import BadPage
from services.api.upstream import BadCursor, Unavailable

NOT_FOUND = "Record not found"  # Mastodon's words for any missing or hidden record


def api_error(status: int, message: str, description: str | None = None):
    return error(status, message, description or message)


def not_found(description: str = "no such record"):
    return api_error(404, NOT_FOUND, description)


def install_error_handlers(app) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code == 404:
            return not_found("no such endpoint")
        return api_error(exc.code or 500, exc.name, exc.description)

    @app.errorhandler(BadPage)
    def _bad_page(exc: BadPage):
        return api_error(400, str(exc))

    @app.errorhandler(Unavailable)
    def _unavailable(exc: Unavailable):
        resp = api_error(503, "Service unavailable", str(exc))
        resp.headers["Retry-After"] = "5"
        return resp

    @app.errorhandler(BadCursor)
    def _bad_cursor(exc: BadCursor):
        return api_error(400, str(exc))
