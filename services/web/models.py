"""What the web app keeps: its registration as an OAuth client of the node, sign-ins in
progress and browser sessions (each holding the user's token, encrypted). Nothing else:
every page is read through the API (read positions too: its markers)."""

from __future__ import annotations

import datetime as dt

import mongoengine as me

from fedkit.runtime.clock import now


class WebClient(me.Document):
    """The web app's own OAuth client at this node (``POST /api/v1/apps``, as any app)."""

    meta = {"collection": "web_clients"}
    redirect_uri = me.StringField(primary_key=True)
    client_id = me.StringField(required=True)
    client_secret = me.StringField(required=True)
    first_party = me.BooleanField(default=False)  # the node marked it (no consent screen)
    scopes = me.StringField(default="read write follow")  # as registered


class WebSignIn(me.Document):
    """An authorization request under way: the PKCE verifier and where to go after."""

    meta = {"collection": "web_signins"}  # expires_at: a TTL index (deploy/migrate.py)
    state_hash = me.StringField(primary_key=True)
    verifier = me.StringField(required=True)
    next_path = me.StringField(default="/")
    expires_at = me.DateTimeField(default=lambda: now() + dt.timedelta(minutes=10))


class WebAppSession(me.Document):
    """A signed-in browser. The cookie holds a random id; the record is found by its digest
    and the token is encrypted with a key derived from the id (services/web/sessions.py),
    so the database alone gives neither the session nor the token."""

    meta = {"collection": "web_app_sessions", "indexes": ["username"]}  # and a TTL on expires_at
    sid_hash = me.StringField(primary_key=True)
    username = me.StringField(required=True)
    account_id = me.StringField(required=True)
    acct = me.StringField(default="")
    display_name = me.StringField(default="")
    avatar = me.StringField(default="")
    token_sealed = me.StringField(required=True)
    csrf = me.StringField(required=True)
    expires_at = me.DateTimeField(required=True)
    # The user's settings every page needs, cached (services/web/settings_cache.py)
    language = me.StringField(default="")  # "": the browser's
    audience = me.StringField(default="")  # "": the web app's default
    admin = me.BooleanField(default=False)
    moderates = me.StringField(default="")  # "": not asked yet; "node", "community" or "no" (settings_cache.py)
    auditor = me.BooleanField(default=False)  # the header's "Audit trail" link
