"""Identity-owned collections: accounts, OAuth clients, codes and tokens."""

from __future__ import annotations

import datetime as dt
import time

import mongoengine as me
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from werkzeug.security import check_password_hash, generate_password_hash

from fedkit.db import Document

SCOPES = ("read", "write", "follow", "push", "profile")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Account(Document):
    """A local person. Keyed by (issuer, subject) for single sign-on; the username is
    fixed once at creation and is the actor's permanent name."""

    meta = {
        "collection": "accounts",
        "indexes": [{"fields": ["issuer", "subject"], "unique": True}],
    }
    username = me.StringField(primary_key=True, regex=r"^[a-z0-9_][a-z0-9_.-]{0,63}$")
    issuer = me.StringField(required=True)
    subject = me.StringField(required=True)
    display_name = me.StringField(default="")
    summary = me.StringField(default="")
    locked = me.BooleanField(default=False)  # manuallyApprovesFollowers
    password_hash = me.StringField()
    suspended = me.BooleanField(default=False)
    # From the group provider's ``roles`` claim at each sign-in: node_admin, moderator,
    # community_creator (local break-glass and demo accounts have none).
    roles = me.ListField(me.StringField())
    created_at = me.DateTimeField(default=_now)
    # Account closure (services/identity/lifecycle.py): when it was suspended; web sessions
    # opened before ``sessions_valid_after`` no longer count; a change of ``suspended`` not
    # yet announced to the other servers leaves ``suspension_unannounced`` set.
    suspended_at = me.DateTimeField()
    sessions_valid_after = me.DateTimeField()
    suspension_unannounced = me.BooleanField(default=False)
    # SCIM provisioning (services/identity/scim_backend.py): the User attributes the
    # directory gave that no field above holds (JSON: their names may contain dots), when
    # SCIM last changed the account, and whether the directory deleted it (the row stays:
    # the username is never reused).
    scim_attributes = me.StringField()
    scim_modified_at = me.DateTimeField()
    scim_deleted = me.BooleanField(default=False)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_user_id(self) -> str:  # Authlib
        return self.username


class OAuthClient(Document, ClientMixin):
    meta = {"collection": "oauth_clients"}
    client_id = me.StringField(primary_key=True)
    client_secret = me.StringField(required=True)
    client_name = me.StringField(required=True)
    website = me.StringField()
    redirect_uris = me.ListField(me.StringField())
    scope = me.StringField(default="read")
    created_at = me.DateTimeField(default=_now)

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        if not scope:
            return self.scope
        allowed = set(scope_to_list(self.scope))
        return list_to_scope([s for s in scope_to_list(scope) if s in allowed or s.split(":")[0] in allowed])

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        import hmac

        return hmac.compare_digest(self.client_secret, client_secret or "")

    def check_endpoint_auth_method(self, method, endpoint):
        # Mastodon clients send the secret in the body; PKCE public clients send none.
        return method in ("client_secret_post", "client_secret_basic", "none")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "password")


class AuthorizationCode(Document, AuthorizationCodeMixin):
    meta = {"collection": "oauth_codes"}
    code = me.StringField(primary_key=True)
    client_id = me.StringField(required=True)
    username = me.StringField(required=True)
    redirect_uri = me.StringField()
    scope = me.StringField()
    code_challenge = me.StringField()
    code_challenge_method = me.StringField()
    auth_time = me.IntField(default=lambda: int(time.time()))

    def is_expired(self):
        return self.auth_time + 300 < time.time()

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_auth_time(self):
        return self.auth_time


class OAuthToken(Document, TokenMixin):
    meta = {"collection": "oauth_tokens", "indexes": ["username", "refresh_token"]}
    access_token = me.StringField(primary_key=True)
    refresh_token = me.StringField()
    client_id = me.StringField(required=True)
    username = me.StringField()
    scope = me.StringField(default="")
    token_type = me.StringField(default="Bearer")
    issued_at = me.IntField(default=lambda: int(time.time()))
    expires_in = me.IntField(default=0)  # 0: no expiry, as Mastodon's app tokens
    revoked = me.BooleanField(default=False)

    def check_client(self, client):
        return self.client_id == client.get_client_id()

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_revoked(self):
        return self.revoked

    def is_expired(self):
        return bool(self.expires_in) and self.issued_at + self.expires_in < time.time()
