"""Errors of the web app as pages (a browser is reading), in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException


def install_error_handlers(app) -> None:
    from services.web.context import render

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        titles = {400: _("That request was not understood"), 401: _("Please sign in"),
                  403: _("That is not allowed"), 404: _("Not found"), 405: _("That is not allowed"),
                  413: _("That is too large")}
        messages = {400: _("The form may have expired: go back, reload the page and try again."),
                    401: _("Your session has ended. Sign in again."),
                    404: _("This page does not exist, or you may not see it.")}
        code = exc.code or 500
        return render("error.html", code, title=titles.get(code, _("Something went wrong")),
                      message=messages.get(code, ""), unread="")
