"""OAuth 2 (Authlib): Mastodon-style app registration, the password grant for local
accounts, authorization code with PKCE (S256) through the login page, revocation
(RFC 7009) and token introspection for the gateway.

Every registered app is a confidential client (it gets a secret); the password grant and
revocation require it. Secrets, codes and tokens are stored as digests (credentials.py).
"""

from __future__ import annotations

import secrets

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, UnauthorizedClientError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask import request as flask_request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from fedkit.contracts import identity as contract
from fedkit.protocol import jsonbody
from fedkit.protocol.jsonbody import request_json
from fedkit.rules.scopes import KNOWN as KNOWN_SCOPES
from fedkit.runtime.responses import error
from services.identity import authorizations, passwords
from services.identity.credentials import digest, new_secret
from services.identity.models import Account, OAuthClient, OAuthCode, OAuthToken, WebSession
from services.identity.web_sessions import csrf_ok, csrf_token, session_account, session_hash

bp = Blueprint("oauth", __name__)
OOB = "urn:ietf:wg:oauth:2.0:oob"


def _config():
    return current_app.config["ARCHIPEL"]


def _active_account(username: str) -> Account | None:
    account = Account.objects(username=username).first()
    if account is None or not account.signs_in:
        return None
    return account


# -- requests: form or JSON ---------------------------------------------------------------
def _json_fields() -> MultiDict | None:
    """A JSON object body whose values are all strings, as form fields (Mastodon's clients
    send either); None when the body is JSON of any other shape."""
    try:  # fedkit.protocol.jsonbody: depth, size and number limits, as on every other JSON path
        data = jsonbody.loads(request.get_data(cache=True)) if request.is_json else None
    except jsonbody.JSONInputError:
        return None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return None
    return MultiDict(data)


class _JsonPayload(FlaskOAuth2Payload):
    def __init__(self, req, fields: MultiDict):
        super().__init__(req)
        self._fields = CombinedMultiDict([req.args, fields])

    @property
    def data(self):
        return self._fields


class _JsonBodyRequest(FlaskOAuth2Request):
    def __init__(self, req, fields: MultiDict):
        super().__init__(req)
        self.payload = _JsonPayload(req, fields)
        self._fields = fields

    @property
    def form(self):
        return self._fields


class NodeAuthorizationServer(AuthorizationServer):
    def create_oauth2_request(self, request):
        if flask_request.is_json:
            return _JsonBodyRequest(flask_request, _json_fields() or MultiDict())
        return super().create_oauth2_request(request)


server = NodeAuthorizationServer()


def _flat_body() -> bool:
    """A form, or a JSON object of strings: anything else (``{"token": {"$regex": …}}``)
    is refused before it reaches a grant or a query."""
    return not request.is_json or _json_fields() is not None


# -- grants --------------------------------------------------------------------------------
class TooManyAttempts(OAuth2Error):
    """Throttled password guessing: 429 with Retry-After (RFC 6585 §4)."""

    error = "invalid_grant"
    status_code = 429

    def __init__(self, retry_after: int):
        super().__init__(description="too many failed sign-ins; try again later")
        self.retry_after = retry_after

    def get_headers(self):
        return super().get_headers() + [("Retry-After", str(self.retry_after))]


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    # Only with the app's secret: the grant is a password oracle for anyone otherwise.
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def authenticate_user(self, username, password):
        if not _config().password_login:
            raise UnauthorizedClientError(description="password sign-in is disabled on this node")
        try:
            return passwords.verify(_config(), username, password, request.remote_addr)
        except passwords.Throttled as exc:
            raise TooManyAttempts(exc.retry_after) from None
        except passwords.WrongCredentials:
            # RFC 6749 §5.2: wrong resource-owner credentials are an invalid_grant.
            raise InvalidGrantError(description="unknown user or wrong password") from None


class S256Only(CodeChallenge):
    """PKCE with S256 only: ``plain`` sends the verifier itself through the browser
    (RFC 7636 §4.2; OAuth 2.0 Security BCP, RFC 9700 §2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, request):
        OAuthCode(
            code_hash=digest(code), client_id=request.client.client_id, username=request.user.username,
            redirect_uri=request.payload.redirect_uri, scope=request.payload.scope,
            code_challenge=request.payload.data.get("code_challenge"),
            code_challenge_method=request.payload.data.get("code_challenge_method"),
            session_hash=session_hash() if request.client.first_party else None,
        ).save()

    def query_authorization_code(self, code, client):
        if not isinstance(code, str):
            return None
        item = OAuthCode.objects(code_hash=digest(code), client_id=client.client_id).first()
        if item and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        authorization_code.delete()

    def authenticate_user(self, authorization_code):
        return _active_account(authorization_code.username)


class Revocation(RevocationEndpoint):
    """RFC 7009: the app authenticates with its secret; a token it was not issued, or an
    unknown one, is answered 200 like a revoked one (§2.2) and left alone."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def query_token(self, token_string, token_type_hint):
        if not isinstance(token_string, str):
            return None
        hashed = digest(token_string)
        if token_type_hint == "refresh_token":
            return OAuthToken.objects(refresh_token_hash=hashed).first()
        return OAuthToken.objects(access_token_hash=hashed).first() or \
            OAuthToken.objects(refresh_token_hash=hashed).first()

    def authenticate_token(self, request, client):
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        return token if token is not None and token.check_client(client) else None

    def revoke_token(self, token, request):
        token.update(set__revoked=True)
        if token.session_hash and request.client.first_party:
            # The node's web app signs out: the node's sign-in session that let it in ends
            # too, so signing in again asks who you are (a phone app's token does not).
            WebSession.objects(sid_hash=token.session_hash).delete()


def _save_token(token, request):
    refresh = token.get("refresh_token")
    code = getattr(request, "authorization_code", None)
    OAuthToken(
        session_hash=getattr(code, "session_hash", None),
        access_token_hash=digest(token["access_token"]), refresh_token_hash=digest(refresh) if refresh else None,
        client_id=request.client.client_id,
        username=request.user.username if request.user else None,
        scope=token.get("scope", ""), expires_in=0,
    ).save(force_insert=True)


def init_oauth(app) -> None:
    # Mastodon-style long-lived app tokens (revoked on sign-out or deprovisioning).
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"password": 0, "authorization_code": 0}
    server.init_app(
        app,
        query_client=lambda client_id: OAuthClient.objects(client_id=client_id).first()
        if isinstance(client_id, str) else None,
        save_token=_save_token,
    )
    server.register_grant(PasswordGrant)
    # PKCE is optional for a code redeemed with the app's secret (Mastodon apps) and
    # required for one redeemed without it.
    server.register_grant(CodeGrant, [S256Only(required=True)])
    server.register_endpoint(Revocation)


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
    bad = [s for s in scopes if s not in KNOWN_SCOPES]
    if bad:
        return jsonify(error=f"unknown scopes: {' '.join(bad)}"), 422
    secret = new_secret()  # shown this once; only its digest is kept
    client = OAuthClient(
        client_id=secrets.token_urlsafe(24), client_name=name[:200], website=website, redirect_uris=redirect_uris,
        scope=" ".join(scopes),
    )
    client.set_secret(secret)
    client.save(force_insert=True)
    return jsonify(
        id=client.client_id, name=client.client_name, website=client.website,
        redirect_uri=" ".join(client.redirect_uris), redirect_uris=client.redirect_uris,
        client_id=client.client_id, client_secret=secret, scopes=scopes,
        vapid_key="",
    )


@bp.post("/oauth/token")
def issue_token():
    if not _flat_body():
        return error(400, "invalid_request", "the body must be a form or a JSON object of strings")
    return server.create_token_response()


@bp.post("/oauth/revoke")
def revoke_token():
    """RFC 7009 token revocation (Mastodon: POST /oauth/revoke with client_id, client_secret,
    token)."""
    if not _flat_body():
        return error(400, "invalid_request", "token must be a string")
    return server.create_endpoint_response(Revocation.ENDPOINT_NAME)


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    account = session_account()
    if account is None:
        return redirect(url_for("signin.login", next=request.full_path))
    try:
        grant = server.get_consent_grant(end_user=account)
    except OAuth2Error as exc:
        return error(400, exc.error, exc.description or "the authorization request is not valid")
    if request.method == "GET" and grant.client.first_party:
        # The node's own web app (marked by the node, internal_api.py) is not asked: the
        # user is signing in to this node itself. Third-party apps are always asked.
        return server.create_authorization_response(grant=grant, grant_user=account)
    if request.method == "GET":
        return render_template("authorize.html", client=grant.client, scope=grant.request.payload.scope,
                               account=account, csrf=csrf_token())
    if not csrf_ok():
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


@bp.post(contract.INTROSPECT)
def introspect():
    """Token introspection for the gateway (RFC 7662 shape); internal only."""
    data = request.get_json(silent=True)
    token_value = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token_value, str) or not token_value:
        return jsonify(active=False)
    token = OAuthToken.objects(access_token_hash=digest(token_value)).first()
    if token is None or token.revoked or token.is_expired() or not token.username:
        return jsonify(active=False)
    account = _active_account(token.username)
    if account is None:
        return jsonify(active=False)
    authorizations.note_use(token)  # the user's list of authorised apps shows it
    return jsonify(active=True, username=account.username, scope=token.scope, client_id=token.client_id)
