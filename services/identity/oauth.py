"""OAuth 2 (Authlib): Mastodon-style app registration, password grant for local
accounts, authorization code with PKCE through a login page, token introspection."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, UnauthorizedClientError
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from fedkit.jsonbody import request_json
from fedkit.responses import error
from services.identity.models import SCOPES, Account, AuthorizationCode, OAuthClient, OAuthToken

bp = Blueprint("oauth", __name__)
server = AuthorizationServer()
OOB = "urn:ietf:wg:oauth:2.0:oob"


def _config():
    return current_app.config["ARCHIPEL"]


def _active_account(username: str) -> Account | None:
    account = Account.objects(username=username).first()
    if account is None or account.suspended:
        return None
    return account


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def authenticate_user(self, username, password):
        if not _config().password_login:
            raise UnauthorizedClientError(description="password sign-in is disabled on this node")
        account = _active_account((username or "").lower())
        if account and account.check_password(password or ""):
            return account
        # RFC 6749 §5.2: wrong resource-owner credentials are an invalid_grant.
        raise InvalidGrantError(description="unknown user or wrong password")


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, request):
        AuthorizationCode(
            code=code, client_id=request.client.client_id, username=request.user.username,
            redirect_uri=request.payload.redirect_uri, scope=request.payload.scope,
            code_challenge=request.payload.data.get("code_challenge"),
            code_challenge_method=request.payload.data.get("code_challenge_method"),
        ).save()

    def query_authorization_code(self, code, client):
        item = AuthorizationCode.objects(code=code, client_id=client.client_id).first()
        if item and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        authorization_code.delete()

    def authenticate_user(self, authorization_code):
        return _active_account(authorization_code.username)


def _save_token(token, request):
    OAuthToken(
        access_token=token["access_token"], refresh_token=token.get("refresh_token"),
        client_id=request.client.client_id,
        username=request.user.username if request.user else None,
        scope=token.get("scope", ""), expires_in=0,
    ).save()


def init_oauth(app) -> None:
    # Mastodon-style long-lived app tokens (revoked on sign-out or deprovisioning).
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"password": 0, "authorization_code": 0}
    server.init_app(
        app,
        query_client=lambda client_id: OAuthClient.objects(client_id=client_id).first(),
        save_token=_save_token,
    )
    server.register_grant(PasswordGrant)
    # PKCE is optional for confidential clients (Mastodon apps) and required for public ones.
    server.register_grant(CodeGrant, [CodeChallenge(required=True)])


def _form_or_json() -> dict:
    if request.is_json:
        return request_json()
    return request.form.to_dict()


@bp.post("/api/v1/apps")
def register_app():
    """Client registration as Mastodon clients do it (form or JSON)."""
    data = _form_or_json()
    name = data.get("client_name")
    redirect_uris = data.get("redirect_uris") or OOB
    if isinstance(redirect_uris, str):
        redirect_uris = redirect_uris.split()
    website = data.get("website")
    if not isinstance(name, str) or not name.strip():
        return jsonify(error="client_name is required"), 422
    name = name.strip()
    if not isinstance(redirect_uris, list) or not all(isinstance(u, str) for u in redirect_uris):
        return jsonify(error="redirect_uris must be a string or a list of strings"), 422
    if website is not None and not isinstance(website, str):
        return jsonify(error="website must be a string"), 422
    scopes_value = data.get("scopes") or "read"
    if not isinstance(scopes_value, str):
        return jsonify(error="scopes must be a space-separated string"), 422
    scopes = scopes_value.split()
    bad = [s for s in scopes if s.split(":")[0] not in SCOPES]
    if bad:
        return jsonify(error=f"unknown scopes: {' '.join(bad)}"), 422
    client = OAuthClient(
        client_id=secrets.token_urlsafe(24), client_secret=secrets.token_urlsafe(32),
        client_name=name[:200], website=website, redirect_uris=redirect_uris,
        scope=" ".join(scopes),
    )
    client.save()
    return jsonify(
        id=client.client_id, name=client.client_name, website=client.website,
        redirect_uri=" ".join(client.redirect_uris), redirect_uris=client.redirect_uris,
        client_id=client.client_id, client_secret=client.client_secret, scopes=scopes,
        vapid_key="",
    )


@bp.post("/oauth/token")
def issue_token():
    return server.create_token_response()


@bp.post("/oauth/revoke")
def revoke_token():
    data = _form_or_json()
    token = OAuthToken.objects(access_token=data.get("token", "")).first()
    if token:
        token.update(set__revoked=True)
    return jsonify({})


def _session_account() -> Account | None:
    """The signed-in account of the web session, unless suspended or signed in before its
    sessions were invalidated (account closure: services/identity/lifecycle.py)."""
    username = session.get("username")
    account = _active_account(username) if username else None
    if account is not None and account.sessions_valid_after is not None:
        login_at = session.get("login_at")
        if not isinstance(login_at, int | float) or login_at < account.sessions_valid_after.timestamp():
            return None
    return account


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    account = _session_account()
    if account is None:
        return redirect(url_for("oauth.login", next=request.full_path))
    try:
        grant = server.get_consent_grant(end_user=account)
    except OAuth2Error as exc:
        return jsonify(exc.get_body()), 400
    if request.method == "GET":
        return render_template("authorize.html", client=grant.client, scope=grant.request.payload.scope,
                               account=account, csrf=_csrf_token())
    if not secrets.compare_digest(request.form.get("csrf", ""), session.get("csrf", "")) or not session.get("csrf"):
        return error(400, "csrf", "the consent form expired; reload it")
    if request.form.get("confirm") != "yes":
        return server.create_authorization_response(grant_user=None)
    redirect_uri = grant.request.payload.redirect_uri
    response = server.create_authorization_response(grant_user=account)
    if redirect_uri == OOB and response.status_code in (301, 302):
        # Out-of-band clients (CLI tools) are shown the code instead of redirected.
        code = response.headers["Location"].split("code=", 1)[1].split("&", 1)[0]
        return render_template("oob_code.html", code=code)
    return response


def _safe_next(value: str | None) -> str:
    """A same-site path only: no scheme, no host, no backslash tricks (no open redirects)."""
    if not value or "\\" in value or any(ord(c) < 32 for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    return value


def _csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


@bp.route("/login", methods=["GET", "POST"])
def login():
    problem = None
    next_url = _safe_next(request.args.get("next"))
    if request.method == "POST":
        if not _config().password_login:
            problem = "Password sign-in is disabled on this node."
        else:
            account = _active_account(request.form.get("username", "").lower())
            if account and account.check_password(request.form.get("password", "")):
                session.clear()
                session["username"] = account.username
                session["login_at"] = time.time()
                return redirect(next_url)
            problem = "Unknown user or wrong password."
    from services.identity.sso import sso_available

    return render_template("login.html", error=problem, next=next_url, sso=sso_available(_config())), \
        (401 if problem else 200)


@bp.post("/internal/introspect")
def introspect():
    """Token introspection for the gateway (RFC 7662 shape); internal only."""
    token_value = (request.get_json(silent=True) or {}).get("token", "")
    token = OAuthToken.objects(access_token=token_value).first()
    if token is None or token.revoked or token.is_expired() or not token.username:
        return jsonify(active=False)
    account = _active_account(token.username)
    if account is None:
        return jsonify(active=False)
    return jsonify(active=True, username=account.username, scope=token.scope, client_id=token.client_id)
