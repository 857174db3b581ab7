"""A browser-free walk through single sign-on: the node's login page, the provider's
login, back to the node, consent, and a token the app can use."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from tests.e2e.test_oauth_flow import REDIRECT, pkce_pair


def point_registry_at(path: Path, discovery_url: str | None) -> str:
    """Name the group's identity provider in the registry every member node reads
    (re-read on change); returns the previous text to restore."""
    before = path.read_text()
    data = json.loads(before)
    data["identity_provider"] = discovery_url
    path.write_text(json.dumps(data, indent=2))
    return before


def start_sso(node_base: str, browser: requests.Session, next_path: str = "/") -> requests.Response:
    """The node's sign-in link: a redirect to the provider's authorization endpoint."""
    resp = browser.get(f"{node_base}/login/sso", params={"next": next_path}, allow_redirects=False)
    assert resp.status_code == 302, resp.text
    return resp


def follow_to_node(node_base: str, browser: requests.Session, provider_answer: requests.Response):
    """From the provider's redirect back to the node's callback; returns the node's answer."""
    assert provider_answer.status_code in (302, 303), provider_answer.text[:500]
    callback = provider_answer.headers["Location"]
    assert callback.startswith(f"{node_base}/login/sso/callback"), callback
    return browser.get(callback, allow_redirects=False)


def authorize_app(client, browser: requests.Session, app: dict, challenge: str) -> str:
    """With a signed-in browser session on the node: the app's authorization code."""
    params = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT,
              "scope": "read write", "code_challenge": challenge, "code_challenge_method": "S256",
              "state": "s1"}
    page = browser.get(f"{client.base}/oauth/authorize", params=params)
    assert page.status_code == 200 and "Authorize" in page.text, page.text[:300]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    resp = browser.post(page.url, data={"confirm": "yes", "csrf": csrf}, allow_redirects=False)
    assert resp.status_code == 302
    return parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]


def token_for_signed_in(client, browser: requests.Session) -> str:
    app = client.http.post(f"{client.base}/api/v1/apps", data={
        "client_name": "Phone", "redirect_uris": REDIRECT, "scopes": "read write"}).json()
    verifier, challenge = pkce_pair()
    code = authorize_app(client, browser, app, challenge)
    resp = client.http.post(f"{client.base}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": app["client_id"], "code_verifier": verifier})
    assert resp.status_code == 200, resp.text
    return resp.json()["access_token"]


def absolute(base: str, location: str) -> str:
    return urljoin(base, location)
