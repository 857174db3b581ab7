"""The OpenID provider on Authlib's server side: the authorization-code grant with the
OpenID Connect extension and mandatory PKCE (S256), the userinfo endpoint, and the
claims the group's nodes receive."""

from __future__ import annotations

import datetime as dt
import time

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenValidator, InvalidTokenError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from flask import g

from services.idp import keys
from services.idp.config import IdPConfig
from services.idp.directory import acr_for, find_active
from services.idp.models import AccessToken, AuthorizationCode, Client, Employee, now_utc

SCOPES = ["openid", "profile", "email"]
# The group's own claims, beside the standard ones; always in the ID token and userinfo.
GROUP_CLAIMS = ["home_node", "roles"]
CLAIMS = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "at_hash",
          "name", "preferred_username", "email", "email_verified", *GROUP_CLAIMS]


def user_claims(employee: Employee, scope: str) -> UserInfo:
    scopes = set((scope or "").split())
    claims = {"sub": employee.subject, "home_node": employee.home_node, "roles": list(employee.roles)}
    if "profile" in scopes:
        claims.update(name=employee.name, preferred_username=employee.username)
    if "email" in scopes and employee.email:
        claims.update(email=employee.email, email_verified=True)
    return UserInfo(claims)


class StrictCodeChallenge(CodeChallenge):
    """PKCE for every client, S256 only (``plain`` gives no protection)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE (S256) is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        return super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant, result):
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        return super().validate_code_verifier(grant, result)


def build_server(config: IdPConfig) -> AuthorizationServer:
    """One AuthorizationServer per application (nothing is built at import time)."""

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        @staticmethod
        def validate_authorization_redirect_uri(request, client):
            # OpenID Connect: redirect_uri is required and must match a registered one exactly.
            if not request.payload.redirect_uri:
                raise InvalidRequestError("Missing 'redirect_uri' in request.")
            return grants.AuthorizationCodeGrant.validate_authorization_redirect_uri(request, client)

        def save_authorization_code(self, code, request):
            login = g.idp_login  # set by the authorize view: when and how the employee signed in
            data = request.payload.data
            AuthorizationCode(
                code=code, client_id=request.client.client_id, subject=request.user.subject,
                redirect_uri=request.payload.redirect_uri, scope=request.scope or "",
                nonce=data.get("nonce"), code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=login["auth_time"], amr=login["amr"], acr=acr_for(login["amr"]),
                expires_at=now_utc() + dt.timedelta(seconds=config.code_seconds),
            ).save(force_insert=True)

        def query_authorization_code(self, code, client):
            item = AuthorizationCode.objects(code=code or "", client_id=client.client_id).first()
            if item is None or item.is_expired():
                return None
            # Single use, atomically: the first token request takes the code, even if it then
            # fails (wrong verifier); a replay revokes what the code gave (RFC 6749 §4.1.2).
            if not AuthorizationCode.objects(code=item.code, used=False).update_one(set__used=True):
                AccessToken.objects(code=item.code).update(set__revoked=True)
                raise InvalidGrantError("The code was already used.")
            return item

        def delete_authorization_code(self, authorization_code):
            pass  # kept, marked used, until its TTL removes it (replays are recognised)

        def authenticate_user(self, authorization_code):
            employee = find_active(subject=authorization_code.subject)
            if employee is None:
                return None
            return employee

    class GroupOpenIDCode(OpenIDCode):
        def resolve_client_private_key(self, client):
            return keys.current_signing_key()

        def get_client_algorithm(self, client):
            return keys.ALG

        def get_encode_header(self, client):
            return {"alg": keys.ALG, "kid": keys.current_signing_key().kid, "typ": "JWT"}

        def get_client_claims(self, client):
            now = int(time.time())
            return {"iss": config.issuer, "aud": client.get_client_id(), "iat": now,
                    "exp": now + config.id_token_seconds}

        def exists_nonce(self, nonce, request):
            return AuthorizationCode.objects(client_id=request.payload.client_id, nonce=nonce).first() is not None

        def generate_user_info(self, user, scope):
            return user_claims(user, scope)

    class GroupUserInfo(UserInfoEndpoint):
        def get_issuer(self):
            return config.issuer

        def generate_user_info(self, user, scope):
            return user_claims(user, scope)

        def resolve_private_key(self):
            return keys.current_signing_key()

    class TokenValidator(BearerTokenValidator):
        def authenticate_token(self, token_string):
            return AccessToken.objects(access_token=token_string or "").first()

        def validate_token(self, token, scopes, request):
            super().validate_token(token, scopes, request)
            if token.get_user() is None:  # deactivated since: the token is dead at once
                raise InvalidTokenError(realm=self.realm)

    class Issuer(IssuerParameter):
        def get_issuer(self):
            return config.issuer

    def save_token(token, request):
        AccessToken(
            access_token=token["access_token"], client_id=request.client.client_id,
            subject=request.user.subject, scope=token.get("scope", ""),
            code=request.authorization_code.code if request.authorization_code else None,
            expires_in=int(token["expires_in"]),
            expires_at=now_utc() + dt.timedelta(seconds=int(token["expires_in"])),
        ).save(force_insert=True)

    def query_client(client_id):
        return Client.objects(client_id=client_id or "", active=True).first()

    server = AuthorizationServer(query_client=query_client, save_token=save_token)
    server.register_grant(CodeGrant, [GroupOpenIDCode(require_nonce=False), StrictCodeChallenge(required=True)])
    server.register_extension(Issuer())
    protector = ResourceProtector()
    protector.register_token_validator(TokenValidator())
    server.register_endpoint(GroupUserInfo(resource_protector=protector))
    return server


def init_server(app, config: IdPConfig) -> AuthorizationServer:
    app.config["OAUTH2_SCOPES_SUPPORTED"] = SCOPES
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": config.access_token_seconds}
    server = build_server(config)
    server.init_app(app)
    return server
