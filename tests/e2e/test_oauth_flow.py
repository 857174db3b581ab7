"""Authorization code with PKCE through the login page, as a phone app does it."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

REDIRECT = "http://127.0.0.1:9/callback"


def pkce_pair():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize(client, app, challenge, password):
    browser = requests.Session()
    params = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT,
              "scope": "read write", "code_challenge": challenge, "code_challenge_method": "S256",
              "state": "xyz"}
    resp = browser.get(f"{client.base}/oauth/authorize", params=params, allow_redirects=False)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login_url = urljoin(client.base, resp.headers["Location"])
    page = browser.get(login_url)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    resp = browser.post(login_url, data={"username": "alice", "password": password, "csrf": csrf},
                        allow_redirects=False)
    assert resp.status_code == 302, resp.text
    consent_url = urljoin(client.base, resp.headers["Location"])
    page = browser.get(consent_url)
    assert page.status_code == 200 and "Authorize" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    forged = browser.post(consent_url, data={"confirm": "yes"}, allow_redirects=False)
    assert forged.status_code == 400  # a consent without the form's token is refused
    resp = browser.post(consent_url, data={"confirm": "yes", "csrf": csrf}, allow_redirects=False)
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith(REDIRECT)
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def test_authorization_code_with_pkce(group):
    fr = group["fr"]
    app = fr.http.post(f"{fr.base}/api/v1/apps", data={
        "client_name": "Phone", "redirect_uris": REDIRECT, "scopes": "read write"}).json()
    verifier, challenge = pkce_pair()
    code = authorize(fr, app, challenge, fr.password)
    wrong = fr.http.post(f"{fr.base}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": app["client_id"], "code_verifier": "not-the-verifier-" + "x" * 40})
    assert wrong.status_code == 400
    code = authorize(fr, app, challenge, fr.password)
    resp = fr.http.post(f"{fr.base}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": app["client_id"], "code_verifier": verifier})
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]
    assert set(resp.json()["scope"].split()) == {"read", "write"}
    # The token works: alice reads her inbox and posts.
    headers = {"Authorization": f"Bearer {token}"}
    assert fr.http.get(f"{fr.actor('alice')}/inbox?page=true", headers=headers).status_code == 200
    assert fr.http.post(f"{fr.actor('alice')}/outbox", json={"type": "Note", "content": "from my phone"},
                        headers=headers).status_code == 201
    # A code is single use.
    again = fr.http.post(f"{fr.base}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": app["client_id"], "code_verifier": verifier})
    assert again.status_code == 400


def test_public_client_must_use_pkce(group):
    fr = group["fr"]
    app = fr.http.post(f"{fr.base}/api/v1/apps", data={
        "client_name": "Phone", "redirect_uris": REDIRECT, "scopes": "read"}).json()
    verifier, challenge = pkce_pair()
    code = authorize(fr, app, challenge, fr.password)
    # Without the secret, only the code verifier proves the code is ours.
    resp = fr.http.post(f"{fr.base}/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": app["client_id"]})
    assert resp.status_code == 400


def login_form(fr) -> tuple[requests.Session, str]:
    """A browser that opened the login page, and the page's CSRF token."""
    browser = requests.Session()
    page = browser.get(f"{fr.base}/login")
    return browser, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_login_refuses_open_redirects(group):
    fr = group["fr"]
    for target in ("//evil.example/x", "/\\evil.example", "https://evil.example/", "/\tevil"):
        browser, csrf = login_form(fr)
        resp = browser.post(f"{fr.base}/login", params={"next": target},
                            data={"username": "alice", "password": fr.password, "csrf": csrf}, allow_redirects=False)
        assert resp.status_code == 302 and resp.headers["Location"] == "/", target


def test_wrong_password_on_login_page(group):
    fr = group["fr"]
    browser, csrf = login_form(fr)
    resp = browser.post(f"{fr.base}/login", data={"username": "alice", "password": "nope", "csrf": csrf},
                        allow_redirects=False)
    assert resp.status_code == 401 and re.search(r"wrong password", resp.text)
