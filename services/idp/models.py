"""The provider's collections, in its own database (``ARCHIPEL_IDP_DB``): the group
directory (employees), the registered node clients, authorization codes, access tokens
and the provider's signing keys."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid

import mongoengine as me
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin
from pymongo.errors import PyMongoError
from werkzeug.security import check_password_hash, generate_password_hash

from fedkit.runtime.clock import aware
from fedkit.runtime.clock import now as now_utc
from fedkit.runtime.db import Document

log = logging.getLogger(__name__)

ROLES = ("node_admin", "moderator", "community_creator")
DEFAULT_CLIENT_SCOPE = "openid profile email"
USERNAME_PATTERN = r"^[a-z0-9_][a-z0-9_.-]{0,63}$"


def _secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Employee(Document):
    """One person of the group directory (annuaire). ``subject`` is the stable OIDC
    ``sub``; ``username`` is the ``preferred_username``."""

    meta = {"collection": "employees", "indexes": [{"fields": ["username"], "unique": True},
                                                   "home_node"]}
    subject = me.StringField(primary_key=True, default=lambda: str(uuid.uuid4()))
    username = me.StringField(required=True, regex=USERNAME_PATTERN)
    name = me.StringField(default="")
    email = me.StringField(default="")
    home_node = me.StringField(required=True)
    roles = me.ListField(me.StringField())
    password_hash = me.StringField()
    mfa_secret = me.StringField()  # base32 TOTP secret when the employee enrolled
    mfa_last_step = me.IntField()  # last accepted TOTP step (no replay)
    active = me.BooleanField(default=True)
    failed_logins = me.IntField(default=0)
    locked_until = me.DateTimeField()
    # Single sign-on sessions that authenticated before this instant are void.
    sessions_valid_after = me.IntField(default=0)
    created_at = me.DateTimeField(default=now_utc)
    updated_at = me.DateTimeField(default=now_utc)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password or "")

    @property
    def has_mfa(self) -> bool:
        return bool(self.mfa_secret)

    def get_user_id(self) -> str:  # Authlib
        return self.subject


class Client(Document, ClientMixin):
    """A node registered at the provider (a confidential client of the group)."""

    meta = {"collection": "clients"}
    client_id = me.StringField(primary_key=True)
    client_secret_hash = me.StringField(required=True)  # SHA-256 of a long random secret
    name = me.StringField(default="")
    redirect_uris = me.ListField(me.StringField())
    scope = me.StringField(default=DEFAULT_CLIENT_SCOPE)
    active = me.BooleanField(default=True)
    created_at = me.DateTimeField(default=now_utc)

    def set_secret(self, secret: str) -> None:
        self.client_secret_hash = _secret_digest(secret)

    @property
    def client_metadata(self) -> dict:  # Authlib's userinfo endpoint reads it
        return {}

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None  # OpenID Connect: redirect_uri is always given, exactly

    def get_allowed_scope(self, scope):
        allowed = scope_to_list(self.scope)
        if not scope:
            return list_to_scope(allowed)
        return list_to_scope([s for s in scope_to_list(scope) if s in allowed])

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris  # exact match, no prefixes or wildcards

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(self.client_secret_hash, _secret_digest(client_secret or ""))

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


class AuthorizationCode(Document, AuthorizationCodeMixin):
    """A code between the login and the token request. Kept (marked used) until it
    expires, so that a replayed code is recognised and its tokens revoked."""

    meta = {"collection": "authorization_codes",
            "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 3600},
                        ("client_id", "nonce")]}
    code = me.StringField(primary_key=True)
    client_id = me.StringField(required=True)
    subject = me.StringField(required=True)
    redirect_uri = me.StringField(required=True)
    scope = me.StringField(default="")
    nonce = me.StringField()
    code_challenge = me.StringField()
    code_challenge_method = me.StringField()
    auth_time = me.IntField(required=True)
    acr = me.StringField()
    amr = me.ListField(me.StringField())
    expires_at = me.DateTimeField(required=True)
    used = me.BooleanField(default=False)

    def is_expired(self) -> bool:
        return aware(self.expires_at) <= now_utc()

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return self.acr

    def get_amr(self):
        return list(self.amr) if self.amr else None


class AccessToken(Document, TokenMixin):
    """A bearer token for the userinfo endpoint."""

    meta = {"collection": "access_tokens",
            "indexes": ["subject", "code", {"fields": ["expires_at"], "expireAfterSeconds": 86400}]}
    access_token = me.StringField(primary_key=True)
    client_id = me.StringField(required=True)
    subject = me.StringField(required=True)
    scope = me.StringField(default="")
    code = me.StringField()  # the authorization code it was issued for
    issued_at = me.IntField(default=lambda: int(time.time()))
    expires_in = me.IntField(required=True)
    expires_at = me.DateTimeField(required=True)
    revoked = me.BooleanField(default=False)

    def check_client(self, client):
        return self.client_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return self.issued_at + self.expires_in <= time.time()

    def is_revoked(self):
        return self.revoked

    def get_user(self):
        return Employee.objects(subject=self.subject, active=True).first()

    def get_client(self):
        return Client.objects(client_id=self.client_id).first()


class SigningKey(Document):
    """An RSA key the provider signs ID tokens with (private JWK). The newest active key
    signs; every active key is published at the JWKS endpoint (rotation keeps the
    previous one published until the tokens it signed have expired)."""

    meta = {"collection": "signing_keys", "indexes": ["-created_at"]}
    kid = me.StringField(primary_key=True)
    private_jwk = me.DictField(required=True)
    created_at = me.DateTimeField(default=now_utc)
    active = me.BooleanField(default=True)


class ProviderSecret(Document):
    """Secrets the provider makes for itself on first start (the session cookie key)."""

    meta = {"collection": "provider_secrets"}
    name = me.StringField(primary_key=True)
    value = me.StringField(required=True)
    created_at = me.DateTimeField(default=now_utc)


IDP_DOCUMENTS = (Employee, Client, AuthorizationCode, AccessToken, SigningKey, ProviderSecret)


def ensure() -> None:
    """Create every index of the provider's collections (a deployment step: processes
    never create indexes on their own). A server without TTL indexes still works: codes
    and tokens are checked for expiry when used."""
    for document in IDP_DOCUMENTS:
        try:
            document.ensure_indexes()
        except (me.OperationError, PyMongoError) as exc:
            if document in (AuthorizationCode, AccessToken):
                log.warning("indexes of %s not all created: %s", document.__name__, exc)
            else:
                raise
