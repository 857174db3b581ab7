"""A browser's session on the node, whichever way it signed in (password, signin.py; the
group's provider, sso.py): the session record, the CSRF token of every HTML form, the
same-site check of a ``next`` URL and the sign-in page.

A session is a record (``web_sessions``) named by a random id in the signed cookie: it
ends at sign-out, after ``ARCHIPEL_SESSION_HOURS``, or when the account is closed
(``sessions_valid_after``, services/identity/lifecycle.py).
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from urllib.parse import urlsplit

from flask import current_app, render_template, request, session

from fedkit.runtime.clock import aware, now
from services.identity.credentials import digest
from services.identity.models import Account, WebSession
from services.identity.oidc import sso_available


def _config():
    return current_app.config["ARCHIPEL"]


# -- CSRF --------------------------------------------------------------------------------
def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def csrf_ok() -> bool:
    expected = session.get("csrf")
    sent = request.form.get("csrf", "")
    return bool(expected) and isinstance(expected, str) and secrets.compare_digest(sent, expected)


# -- sessions ----------------------------------------------------------------------------
def open_session(account: Account, **extra) -> None:
    """A new session for ``account`` (a fresh cookie: no fixation of an earlier one)."""
    sid = secrets.token_urlsafe(32)
    hours = _config().session_hours
    WebSession(sid_hash=digest(sid), username=account.username,
               expires_at=now() + dt.timedelta(hours=hours)).save(force_insert=True)
    session.clear()
    session.permanent = True  # the cookie lives as long as the session (PERMANENT_SESSION_LIFETIME)
    session.update(sid=sid, username=account.username, login_at=time.time(), **extra)


def end_session() -> None:
    sid = session.get("sid")
    if isinstance(sid, str):
        WebSession.objects(sid_hash=digest(sid)).delete()
    session.clear()


def session_hash() -> str | None:
    """The digest naming this browser's session record (None: no session)."""
    sid = session.get("sid")
    return digest(sid) if isinstance(sid, str) else None


def session_account() -> Account | None:
    """The signed-in account of this browser: its session record exists and has not
    expired, the account is active and was not closed since the sign-in."""
    username, sid = session.get("username"), session.get("sid")
    if not isinstance(username, str) or not isinstance(sid, str):
        return None
    record = WebSession.objects(sid_hash=digest(sid), username=username).first()
    if record is None or aware(record.expires_at) <= now():
        return None
    account = Account.objects(username=username).first()
    if account is None or not account.signs_in:
        return None
    if account.sessions_valid_after is not None:
        login_at = session.get("login_at")
        if not isinstance(login_at, int | float) or login_at < account.sessions_valid_after.timestamp():
            return None
    return account


def safe_next(value: str | None) -> str:
    """A same-site path only: no scheme, no host, no backslash tricks (no open redirects)."""
    if not value or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


# -- pages -------------------------------------------------------------------------------
def login_page(problem: str | None, next_url: str, status: int, headers: dict | None = None):
    html = render_template("login.html", error=problem, next=next_url, sso=sso_available(_config()),
                           csrf=csrf_token(), password_login=_config().password_login)
    return html, status, headers or {}
