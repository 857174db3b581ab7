"""The sign-in pages of the node: the login page (password sign-in, when enabled) and
sign-out. The sessions they open and end, and the CSRF token of their forms:
web_sessions.py.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from services.identity import passwords
from services.identity.web_sessions import (
    csrf_ok,
    csrf_token,
    end_session,
    login_page,
    open_session,
    safe_next,
    session_account,
)

bp = Blueprint("signin", __name__)


def _config():
    return current_app.config["ARCHIPEL"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.args.get("next"))
    if request.method == "GET":
        return login_page(None, next_url, 200)
    if not csrf_ok():
        return login_page(_("The sign-in form expired; try again."), next_url, 400)
    if not _config().password_login:
        return login_page(_("Password sign-in is disabled on this node."), next_url, 403)
    try:
        account = passwords.verify(_config(), request.form.get("username"), request.form.get("password"),
                                   request.remote_addr)
    except passwords.Throttled as exc:
        return login_page(_("Too many failed sign-ins; try again in %(minutes)d minutes.",
                            minutes=exc.retry_after // 60 + 1),
                          next_url, 429, {"Retry-After": str(exc.retry_after)})
    except passwords.WrongCredentials:
        return login_page(_("Unknown user or wrong password."), next_url, 401)
    open_session(account)
    return redirect(next_url)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET: a page with the sign-out button; POST (with the form's CSRF token): the session
    ends here, whatever copy of the cookie exists."""
    if request.method == "POST":
        if not csrf_ok():
            return render_template("logout.html", csrf=csrf_token(), account=session_account(),
                                   error=_("The sign-out form expired; try again.")), 400
        end_session()
        return redirect(url_for("signin.login"), 303)
    return render_template("logout.html", csrf=csrf_token(), account=session_account(), error=None)
