"""Signing in to the web app, against the real node in-process (issue 10, "Sign-in"): the
node's own web client is not asked for consent (third-party apps still are), signing
out ends the node's sign-in session too, password sign-in only where the node allows it."""

from __future__ import annotations

import base64
import dataclasses
import hashlib

import pytest

from tests.unit.web_support import (
    PASSWORD,
    csrf_of,
    local_path,
    page,
    sign_in,
    web_node,
)

REDIRECT = "https://app.example/callback"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 appendix B
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def web(node, monkeypatch):
    return web_node(node, monkeypatch)


def authorize_params(client_id: str, redirect_uri: str) -> dict:
    return {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": "read",
            "state": "s1", "code_challenge": CHALLENGE,
            "code_challenge_method": "S256"}


def register_app(web, redirect_uri: str = REDIRECT, **extra) -> dict:
    resp = web.gateway.post("/api/v1/apps", base_url=web.base, data={
        "client_name": "Some app", "redirect_uris": redirect_uri, "scopes": "read", **extra})
    assert resp.status_code == 200, resp.text
    return resp.json


def test_the_web_app_is_marked_first_party_and_not_asked_for_consent(web):
    from services.identity.models import OAuthClient

    browser = sign_in(web, "alice")  # web_support.sign_in asserts no consent page was shown
    assert page(browser, web, "/").status_code == 200
    client = OAuthClient.objects(client_name="Archipel web").get()
    assert client.first_party is True


def test_a_third_party_app_is_still_asked_for_consent(web):
    browser = sign_in(web, "alice")  # signed in at the node (its session cookie)
    app = register_app(web)
    consent = browser.get("/oauth/authorize", base_url=web.base, query_string=authorize_params(app["client_id"], REDIRECT))
    assert consent.status_code == 200 and 'name="confirm"' in consent.text


def test_an_app_cannot_make_itself_first_party(web):
    from fedkit.contracts.identity import IdentityClient
    from services.identity.models import OAuthClient

    # an app that names the web app's own callback and asks to be trusted is an app like any other
    app = register_app(web, web.base + "/web/callback", first_party="true", trusted="1")
    assert OAuthClient.objects(client_id=app["client_id"]).get().first_party is False
    browser = sign_in(web, "alice")
    consent = browser.get("/oauth/authorize", base_url=web.base,
                          query_string=authorize_params(app["client_id"], web.base + "/web/callback"))
    assert consent.status_code == 200 and 'name="confirm"' in consent.text
    # and the node itself marks only a client whose one redirect URI is its web app's callback
    other = register_app(web)
    identity = IdentityClient(web.internal)
    assert identity.mark_first_party(other["client_id"]) is False
    assert OAuthClient.objects(client_id=other["client_id"]).get().first_party is False
    # without the node's internal secret, the internal path is not even reachable from outside
    resp = web.gateway.post("/internal/apps/first-party", base_url=web.base, json={"client_id": other["client_id"]})
    assert resp.status_code == 404


def test_sign_out_ends_the_nodes_sign_in_session_too(web):
    from services.identity.models import OAuthToken, WebSession

    browser = sign_in(web, "alice")
    assert WebSession.objects(username="alice").count() == 1
    home = page(browser, web, "/")
    resp = browser.post("/web/logout", base_url=web.base, data={"csrf": csrf_of(home.text)})
    assert resp.status_code == 303
    assert WebSession.objects(username="alice").count() == 0  # the node's session ended
    assert all(token.revoked for token in OAuthToken.objects(username="alice"))  # the token revoked
    # signing in again asks who you are (the node's sign-in page), not straight back in
    resp = page(browser, web, "/web/login")
    resp = browser.get(local_path(resp.headers["Location"]), base_url=web.base)
    assert resp.status_code == 302 and local_path(resp.headers["Location"]).startswith("/login?")


def test_revoking_a_phone_apps_token_leaves_the_browser_signed_in(web):
    """Only the node's own web client's sign-out ends the node's session: another app's
    revocation is that app's business."""
    from services.identity.models import WebSession

    browser = sign_in(web, "alice")
    app = register_app(web)
    consent = browser.get("/oauth/authorize", base_url=web.base, query_string=authorize_params(app["client_id"], REDIRECT))
    resp = browser.post(local_path(consent.request.url), base_url=web.base,
                        data={"confirm": "yes", "csrf": csrf_of(consent.text)})
    code = resp.headers["Location"].split("code=", 1)[1].split("&", 1)[0]
    token = web.gateway.post("/oauth/token", base_url=web.base, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "code_verifier": VERIFIER})
    assert token.status_code == 200, token.text
    token = token.json["access_token"]
    resp = web.gateway.post("/oauth/revoke", base_url=web.base, data={
        "client_id": app["client_id"], "client_secret": app["client_secret"], "token": token})
    assert resp.status_code == 200
    assert WebSession.objects(username="alice").count() == 1


def test_password_sign_in_is_shown_and_taken_only_where_the_node_allows_it(web, monkeypatch):
    from services.identity.models import Account

    account = Account.objects(username="alice").get()
    account.set_password(PASSWORD)
    account.save()
    browser = web.gateway.application.test_client()
    shown = page(browser, web, "/login")
    assert shown.status_code == 200 and 'name="password"' in shown.text
    identity = web.services["identity"]
    monkeypatch.setitem(identity.config, "ARCHIPEL",
                        dataclasses.replace(identity.config["ARCHIPEL"], password_login=False))
    hidden = page(browser, web, "/login")
    assert hidden.status_code == 200 and 'name="password"' not in hidden.text
    refused = browser.post("/login", base_url=web.base,
                           data={"csrf": csrf_of(shown.text), "username": "alice", "password": PASSWORD})
    assert refused.status_code == 403 and "Location" not in refused.headers
    # nor through the password grant of the token endpoint
    app = register_app(web)
    grant = web.gateway.post("/oauth/token", base_url=web.base, data={
        "grant_type": "password", "username": "alice", "password": PASSWORD,
        "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert grant.status_code in (400, 401, 403) and "access_token" not in grant.text
