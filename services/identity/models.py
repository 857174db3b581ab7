"""Identity-owned collections: accounts, OAuth clients, codes, tokens, web sessions and
failed sign-ins. Client secrets, codes, tokens and session ids are stored only as SHA-256
digests (services/identity/credentials.py): a copy of the database opens nothing."""

from __future__ import annotations

import hmac
import time

import mongoengine as me
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from werkzeug.security import check_password_hash, generate_password_hash

from fedkit.runtime import clock
from fedkit.runtime.db import Document
from services.identity.credentials import digest


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
    # What the person adds to their profile (Mastodon's fields): [{"name", "value" (HTML)}].
    profile_fields = me.ListField(me.DictField())
    # What the person declares beyond the directory (services/identity/directory_profile.py).
    skills = me.ListField(me.StringField())
    interests = me.ListField(me.StringField())
    languages = me.ListField(me.StringField())
    projects = me.ListField(me.StringField())
    # The profile claims of the group's provider at the last sign-in (oidc.py): used where
    # SCIM gives no value.
    directory_claims = me.DictField()
    locked = me.BooleanField(default=False)  # manuallyApprovesFollowers
    password_hash = me.StringField()
    suspended = me.BooleanField(default=False)
    # From the group provider's ``roles`` claim at each sign-in: node_admin, moderator,
    # community_creator (local break-glass and demo accounts have none).
    roles = me.ListField(me.StringField())
    created_at = me.DateTimeField(default=clock.now)
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
    # Erased (services/identity/erasure.py): the row stays, nothing personal in it.
    erased_at = me.DateTimeField()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_user_id(self) -> str:  # Authlib
        return self.username


class OAuthClient(Document, ClientMixin):
    """A registered app (POST /api/v1/apps). Every app gets a secret: all are confidential
    clients; the secret is shown once, at registration."""

    meta = {"collection": "oauth_clients"}
    client_id = me.StringField(primary_key=True)
    client_secret_hash = me.StringField(required=True)
    client_name = me.StringField(required=True)
    website = me.StringField()
    redirect_uris = me.ListField(me.StringField())
    scope = me.StringField(default="read")
    created_at = me.DateTimeField(default=clock.now)
    # The node's own web app (marked by the node itself, internal_api.py): not asked for consent.
    first_party = me.BooleanField(default=False)

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

    def set_secret(self, client_secret: str) -> None:
        self.client_secret_hash = digest(client_secret)

    def check_client_secret(self, client_secret):
        return isinstance(client_secret, str) and hmac.compare_digest(self.client_secret_hash, digest(client_secret))

    def check_endpoint_auth_method(self, method, endpoint):
        # Mastodon clients send the secret in the body; an app that keeps no secret (a
        # phone app using PKCE) may redeem a code without it (grants say which allow "none").
        return method in ("client_secret_post", "client_secret_basic", "none")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "password")


class OAuthCode(Document, AuthorizationCodeMixin):
    # Not "AuthorizationCode": the group provider has a document of that name, and
    # mongoengine keeps one class per name in its registry (disconnect() resets only that one).
    meta = {"collection": "oauth_codes"}
    code_hash = me.StringField(primary_key=True)
    client_id = me.StringField(required=True)
    username = me.StringField(required=True)
    redirect_uri = me.StringField()
    scope = me.StringField()
    code_challenge = me.StringField()
    code_challenge_method = me.StringField()
    session_hash = me.StringField()  # the node's sign-in session that gave a first-party code
    auth_time = me.IntField(default=lambda: int(time.time()))
    hashed = me.BooleanField(default=True)

    def is_expired(self):
        return self.auth_time + 300 < time.time()

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_auth_time(self):
        return self.auth_time


class OAuthToken(Document, TokenMixin):
    meta = {"collection": "oauth_tokens", "indexes": ["username", "refresh_token_hash"]}
    access_token_hash = me.StringField(primary_key=True)
    refresh_token_hash = me.StringField()
    client_id = me.StringField(required=True)
    username = me.StringField()
    scope = me.StringField(default="")
    token_type = me.StringField(default="Bearer")
    issued_at = me.IntField(default=lambda: int(time.time()))
    expires_in = me.IntField(default=0)  # 0: no expiry, as Mastodon's app tokens
    revoked = me.BooleanField(default=False)
    session_hash = me.StringField()  # a first-party token's sign-in session: ends at its revocation
    hashed = me.BooleanField(default=True)  # records written before hashing have none (credentials.py)
    last_used_at = me.IntField()  # epoch seconds, to ten minutes (services/identity/authorizations.py)

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


class WebSession(Document):
    """A signed-in browser (the login page, single sign-on). The cookie carries the id;
    signing out or the end of its lifetime (ARCHIPEL_SESSION_HOURS) ends it here, so a
    copied cookie dies with it."""

    meta = {"collection": "web_sessions", "indexes": ["username"]}
    sid_hash = me.StringField(primary_key=True)
    username = me.StringField(required=True)
    created_at = me.DateTimeField(default=clock.now)
    expires_at = me.DateTimeField(required=True)


class LoginFailures(Document):
    """Failed password sign-ins of one account name or one client address in the current
    window (services/identity/throttle.py); the TTL index drops ended windows."""

    meta = {"collection": "login_failures"}
    key = me.StringField(primary_key=True)
    count = me.IntField(default=0)
    expires_at = me.DateTimeField(required=True)
