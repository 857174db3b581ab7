"""The web app as a first-party OAuth client of its node: registered on first use through
``POST /api/v1/apps`` like any app, then the authorization-code flow with PKCE (RFC 7636,
S256) through the node's sign-in page (the group's single sign-on), and revocation at
sign-out (RFC 7009)."""

from __future__ import annotations

import base64
import hashlib
import logging
from urllib.parse import urlencode

import mongoengine as me
import requests
from flask import current_app

from fedkit.contracts.identity import IdentityClient, web_app_redirect_uri
from fedkit.runtime.internal import internal_client
from services.web.api_client import ApiClient
from services.web.models import WebClient

log = logging.getLogger(__name__)
# The moderators' pages use Mastodon's admin API: the scopes are asked of everyone, the API
# decides what each may do with them (services/api/admin_reports.py).
SCOPES = "read write follow admin:read:reports admin:write:reports admin:write:accounts"
CLIENT_NAME = "Archipel web"


def _config():
    return current_app.config["ARCHIPEL"]


def api_base() -> str:
    cfg = _config()
    return cfg.web_api_url or cfg.base_url


def redirect_uri() -> str:
    return web_app_redirect_uri(_config().base_url)


def client() -> WebClient:
    """This node's registration of the web app, made on first use (a race between two
    processes leaves one spare registration; every process then uses the stored one),
    then marked first-party by the node (below)."""
    uri = redirect_uri()
    found = WebClient.objects(redirect_uri=uri).first()
    if found is not None and found.scopes != SCOPES:  # registered for fewer scopes: register anew
        found.delete()
        found = None
    if found is None:
        app = ApiClient(api_base()).post("/api/v1/apps", {
            "client_name": CLIENT_NAME, "redirect_uris": uri, "scopes": SCOPES, "website": _config().base_url}).body
        try:
            found = WebClient(redirect_uri=uri, client_id=app["client_id"],
                              client_secret=app["client_secret"], scopes=SCOPES).save(force_insert=True)
        except me.NotUniqueError:
            found = WebClient.objects(redirect_uri=uri).get()
    if not found.first_party:
        _mark_first_party(found)
    return found


def _mark_first_party(registered: WebClient) -> None:
    """The node's own app is not asked for consent. Only the node can say so: the web
    service asks identity over the internal contract (the internal secret), never through
    the public registration any app may call. A failure leaves the consent screen shown."""
    try:
        marked = IdentityClient(internal_client()).mark_first_party(registered.client_id)
    except requests.RequestException as exc:
        log.warning("the web app could not be marked first-party: %s", type(exc).__name__)
        return
    if marked:
        registered.update(set__first_party=True)
        registered.first_party = True


def authorize_url(state: str, verifier: str) -> str:
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({"response_type": "code", "client_id": client().client_id, "redirect_uri": redirect_uri(),
                       "scope": SCOPES, "state": state, "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    return f"/oauth/authorize?{query}"  # the node's own path: the browser stays on this origin


def exchange(code: str, verifier: str) -> str:
    registered = client()
    answer = ApiClient(api_base()).post("/oauth/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(),
        "client_id": registered.client_id, "client_secret": registered.client_secret, "code_verifier": verifier})
    return answer.body["access_token"]


def revoke(token: str) -> None:
    registered = client()
    ApiClient(api_base()).post("/oauth/revoke", {"client_id": registered.client_id,
                                                 "client_secret": registered.client_secret, "token": token})
