"""Single sign-on's pages: ``/login/sso`` sends the browser to the group's OpenID
provider, ``/login/sso/callback`` takes it back and opens the session (the checks of
the provider's answer: oidc.py)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from authlib.common.security import generate_token
from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_babel import gettext as _

from fedkit.runtime.config import Config
from services.identity.oidc import (
    SSOError,
    account_for,
    authorization_client,
    home_elsewhere,
    provider_metadata,
    verified_claims,
)
from services.identity.web_sessions import login_page, open_session, safe_next

bp = Blueprint("sso", __name__)


def _config() -> Config:
    return current_app.config["ARCHIPEL"]


@bp.get("/login/sso")
def start():
    config = _config()
    try:
        metadata = provider_metadata(config)
    except SSOError as exc:
        return login_page(str(exc), "/", 503)
    verifier, nonce = generate_token(48), generate_token(24)
    extra = {"acr_values": " ".join(config.oidc_required_acr)} if config.oidc_required_acr else {}
    uri, state = authorization_client(config).create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **extra)
    session["sso"] = {"state": state, "nonce": nonce, "verifier": verifier,
                      "next": safe_next(request.args.get("next"))}
    return redirect(uri)


@bp.get("/login/sso/callback")
def callback():
    pending = session.pop("sso", None)
    try:
        if not pending or not secrets.compare_digest(request.args.get("state", ""), pending["state"]):
            raise SSOError(_("This sign-in link expired; start again."))
        if request.args.get("error"):
            raise SSOError(_("The group's sign-in service refused: %(error)s.", error=request.args.get("error")))
        claims = verified_claims(_config(), pending, request.args.get("code"))
        home = home_elsewhere(_config(), claims)
        if home:
            return home_node_page(claims["home_node"], home)
        account = account_for(_config(), claims)
    except SSOError as exc:
        return login_page(str(exc), "/", 403)
    open_session(account, acr=claims.get("acr"))
    return redirect(pending["next"])


def home_node_page(company: str, home_base_url: str):
    """An employee of another subsidiary signed in here: no account is made at this node;
    a page says where theirs lives and links there (the web app's sign-in: the group's
    session at the provider signs them in without a second password)."""
    return render_template("home_node.html", company=company, host=urlsplit(home_base_url).netloc,
                           target=f"{home_base_url}/web/login"), 200
