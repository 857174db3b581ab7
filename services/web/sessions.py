"""Browser sessions of the web app: a random id in an HttpOnly, SameSite=Lax cookie
(Secure on https), the record found by the id's digest, the user's token sealed with a
key derived from the id (HKDF, RFC 5869, then Fernet), a CSRF token per session checked
on every form POST.

Cookie names carry the node's name: the loopback demo's nodes share a host name, and
browsers do not keep cookies apart by port (RFC 6265 §8.5)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, g, request

from fedkit.runtime.clock import aware, now
from services.web import settings_cache
from services.web.models import WebAppSession, WebSignIn


def _config():
    return current_app.config["ARCHIPEL"]


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def cookie_name(kind: str = "web") -> str:
    return f"archipel_{_config().node_name}_{kind}"


def set_cookie(response, kind: str, value: str, max_age: int, path: str = "/") -> None:
    response.set_cookie(cookie_name(kind), value, max_age=max_age, path=path, httponly=True, samesite="Lax",
                        secure=_config().base_url.startswith("https://"))


def _fernet(sid: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"archipel web token").derive(sid.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@dataclass
class Viewer:
    """The signed-in user of this request, as the API described them at sign-in."""

    record: WebAppSession
    token: str

    @property
    def username(self) -> str:
        return self.record.username

    @property
    def account_id(self) -> str:
        return self.record.account_id

    @property
    def csrf(self) -> str:
        return self.record.csrf


def open_session(response, *, token: str, account: dict) -> None:
    sid = secrets.token_urlsafe(32)
    hours = _config().session_hours
    WebAppSession(sid_hash=digest(sid), username=account.get("username", ""), account_id=str(account.get("id", "")),
                  acct=account.get("acct", ""), display_name=account.get("display_name", ""),
                  avatar=account.get("avatar", ""), token_sealed=_fernet(sid).encrypt(token.encode()).decode(),
                  csrf=secrets.token_urlsafe(24), **settings_cache.from_account(account),
                  expires_at=now() + dt.timedelta(hours=hours)).save(force_insert=True)
    set_cookie(response, "web", sid, int(hours * 3600))


def current_viewer() -> Viewer | None:
    """This request's signed-in user, or None (no cookie, unknown, expired)."""
    if "viewer" in g:
        return g.viewer
    g.viewer = None
    sid = request.cookies.get(cookie_name("web"))
    if sid:
        record = WebAppSession.objects(sid_hash=digest(sid)).first()
        if record is not None and aware(record.expires_at) > now():
            try:
                g.viewer = Viewer(record, _fernet(sid).decrypt(record.token_sealed.encode()).decode())
            except InvalidToken:
                g.viewer = None
    return g.viewer


def end_session(response) -> None:
    viewer = current_viewer()
    if viewer is not None:
        viewer.record.delete()
    response.delete_cookie(cookie_name("web"), path="/")


def csrf_ok() -> bool:
    viewer = current_viewer()
    sent = request.form.get("csrf", "")
    return viewer is not None and isinstance(sent, str) and secrets.compare_digest(sent, viewer.csrf)


# -- a sign-in under way ------------------------------------------------------------------
def start_sign_in(next_path: str) -> tuple[str, str]:
    """A new (state, PKCE verifier), remembered for ten minutes."""
    state, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    WebSignIn(state_hash=digest(state), verifier=verifier, next_path=next_path).save(force_insert=True)
    return state, verifier


def finish_sign_in(state: str | None) -> WebSignIn | None:
    """The sign-in this browser started with ``state`` (its cookie must match: no login
    CSRF, RFC 6749 §10.12), used once."""
    cookie = request.cookies.get(cookie_name("signin"), "")
    if not state or not cookie or not secrets.compare_digest(state, cookie):
        return None
    pending = WebSignIn.objects(state_hash=digest(state)).first()
    if pending is None:
        return None
    pending.delete()
    return pending if aware(pending.expires_at) > now() else None


def safe_next(value: str | None) -> str:
    """A path of this web app only (no open redirect)."""
    if not value or not isinstance(value, str) or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    if value == "/" or (value.startswith("/web/") and not value.startswith("//")):
        return value
    return "/"
