"""A real Mastodon client library (Mastodon.py) signs in to a node and reads it, on a split
node (fr) and a compact one (de): app registration, the authorization-code flow through
the node's login page, the instance document, credentials, lookups, follows."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from mastodon import Mastodon, MastodonNotFoundError, MastodonUnauthorizedError

from tests.plugin import wait_until

REDIRECT = "http://127.0.0.1:9/callback"
SCOPES = ["read", "write", "follow"]
USERS = {"fr": "alice", "de": "bob"}


def sign_in_in_browser(base: str, url: str, username: str, password: str) -> str:
    """What the person does in the browser an app opens: the node's login page, then the
    consent page; returns the code the node redirects back to the app with."""
    browser = requests.Session()
    resp = browser.get(url, allow_redirects=False)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"], resp.text
    login_url = urljoin(base, resp.headers["Location"])
    page = browser.get(login_url)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    resp = browser.post(login_url, data={"username": username, "password": password, "csrf": csrf},
                        allow_redirects=False)
    assert resp.status_code == 302, resp.text
    consent_url = urljoin(base, resp.headers["Location"])
    page = browser.get(consent_url)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    resp = browser.post(consent_url, data={"confirm": "yes", "csrf": csrf}, allow_redirects=False)
    assert resp.status_code == 302 and resp.headers["Location"].startswith(REDIRECT), resp.text
    return parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]


def mastodon_app(client, name: str = "Archipel tests") -> Mastodon:
    client_id, client_secret = Mastodon.create_app(name, scopes=SCOPES, redirect_uris=REDIRECT,
                                                   api_base_url=client.base)
    return Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=client.base,
                    version_check_mode="created")


def signed_in(client, username: str) -> Mastodon:
    app = mastodon_app(client)
    url = app.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="s1", allow_http=True)
    code = sign_in_in_browser(client.base, url, username, client.password)
    app.log_in(code=code, redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    return app


@pytest.fixture(scope="module")
def apps(group):
    """A signed-in Mastodon.py client per node: alice on fr (split), bob on de (compact)."""
    return {name: signed_in(group[name], username) for name, username in USERS.items()}


@pytest.mark.parametrize("node", ["fr", "de"])
def test_app_signs_in_and_reads_the_instance(group, apps, node):
    client, app, username = group[node], apps[node], USERS[node]
    # The version check passed: Mastodon.py reads the node as Mastodon 4.3 with API version 2.
    assert app.verify_minimum_version("4.3.0", cached=True)
    assert app.mastodon_api_version == 2
    instance = app.instance()
    assert instance.domain == client.host
    assert "Archipel" in instance.version
    assert instance.registrations.enabled is False
    assert instance.configuration.statuses.max_characters > 0
    assert set(instance.archipel.visibilities) >= {"public", "unlisted", "private", "direct", "group", "node"}
    v1 = app.instance_v1()
    assert v1.uri == client.host and v1.stats.user_count >= 2

    me = app.account_verify_credentials()
    assert me.username == username and me.acct == username
    assert me.url == client.actor(username)
    assert me.source.privacy == "private"
    assert isinstance(me.id, (str, int)) and str(me.id).isdigit()
    assert app.account(me.id).acct == username
    assert app.account_lookup(username).id == me.id
    assert app.account_lookup(f"{username}@{client.host}").id == me.id
    assert app.app_verify_credentials().name == "Archipel tests"
    assert app.preferences()["posting:default:visibility"] == "private"
    assert app.custom_emojis() == []
    with pytest.raises(MastodonNotFoundError):
        app.account_lookup("nobody-here")
    # The avatar an account without one shows is an image the node serves.
    avatar = requests.get(me.avatar)
    assert avatar.status_code == 200 and avatar.headers["Content-Type"] == "image/png"


def test_password_grant_where_the_node_allows_it(group):
    """The demo nodes allow password sign-in (ARCHIPEL_PASSWORD_LOGIN=1): the metadata says
    so, and Mastodon.py's log_in(username, password) works."""
    de = group["de"]
    app = mastodon_app(de)
    assert "password" in app.oauth_authorization_server_info()["grant_types_supported"]
    app.log_in("berta", de.password, scopes=SCOPES, allow_http=True)
    assert app.account_verify_credentials().username == "berta"


def test_follows_relationships_and_paging(group, apps):
    fr, de = group["fr"], group["de"]
    for name in ("alice", "alain"):
        fr.publish(name, {"type": "Follow", "object": de.actor("bob")})
    wait_until(lambda: {fr.actor("alice"), fr.actor("alain")} <= set(de.followers("bob"))
               and all(de.actor("bob") in fr.following(name) for name in ("alice", "alain")),
               message="bob's Accepts to reach fr")
    alice_app, bob_app = apps["fr"], apps["de"]
    bob_host = de.host

    # On fr: bob is a known remote account; alice follows him.
    bob_on_fr = alice_app.account_lookup(f"bob@{bob_host}")
    assert bob_on_fr.acct == f"bob@{bob_host}" and bob_on_fr.uri == de.actor("bob")
    # Whether bob follows alice depends on earlier tests of the session: compare with fr's own list.
    bob_follows_alice = de.actor("bob") in fr.followers("alice")
    [rel] = alice_app.account_relationships(bob_on_fr.id)
    assert rel.following is True and rel.followed_by is bob_follows_alice
    assert str(rel.id) == str(bob_on_fr.id)
    alice = alice_app.account_verify_credentials()
    following = alice_app.account_following(alice.id)
    assert de.actor("bob") in [a.uri for a in following]

    # On de: bob's followers, one per page, through the Link header (Mastodon.py fetch_next).
    bob = bob_app.account_verify_credentials()
    assert bob.followers_count >= 2
    seen, page = [], bob_app.account_followers(bob.id, limit=1)
    while page:
        assert len(page) == 1
        seen.extend(a.uri for a in page)
        page = bob_app.fetch_next(page)
    assert {fr.actor("alice"), fr.actor("alain")} <= set(seen) and len(seen) == len(set(seen))
    alice_on_de = bob_app.account_lookup(f"alice@{fr.host}")
    [rel] = bob_app.account_relationships(alice_on_de.id)
    assert rel.followed_by is True and rel.following is bob_follows_alice


def test_errors_and_tokens(group):
    fr = group["fr"]
    missing = fr.api("GET", "/api/v1/accounts/12345")
    assert missing.status_code == 404 and missing.json()["error"] == "Record not found"
    anonymous = fr.api("GET", "/api/v1/accounts/verify_credentials")
    assert anonymous.status_code == 401 and isinstance(anonymous.json()["error"], str)
    revoked = Mastodon(access_token="not-a-token", api_base_url=fr.base)
    with pytest.raises(MastodonUnauthorizedError):
        revoked.account_verify_credentials()
    meta = fr.api("GET", "/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == fr.base + "/" and meta["token_endpoint"] == fr.base + "/oauth/token"
    assert {"read:statuses", "write:follows", "profile"} <= set(meta["scopes_supported"])
    assert meta["code_challenge_methods_supported"] == ["S256"]


@pytest.mark.parametrize("node", ["fr", "de"])
def test_browser_apps_may_call_the_api_cross_origin(group, node):
    """Elk or Phanpy run on their own origin: the API, the token endpoint and discovery
    answer them (Mastodon's CORS rules); the cookie-authenticated pages do not."""
    client = group[node]
    origin = {"Origin": "https://elk.example"}
    preflight = client.api("OPTIONS", "/api/v1/accounts/verify_credentials", headers={
        **origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"]
    me = client.api("GET", "/api/v1/accounts/verify_credentials", USERS[node], headers=origin)
    assert me.status_code == 200 and me.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in me.headers["Access-Control-Expose-Headers"]
    token = client.api("POST", "/oauth/token", headers=origin, data={"grant_type": "password"})
    assert token.headers.get("Access-Control-Allow-Origin") == "*"
    login = client.api("GET", "/login", headers=origin)
    assert "Access-Control-Allow-Origin" not in login.headers


@pytest.mark.parametrize("node", ["fr", "de"])
def test_toot_logs_in_non_interactively(group, tmp_path, node):
    """toot (PyPI), a command-line Mastodon client: login_cli reads the instance document,
    registers itself, signs in with the password grant (the demo allows it), then whoami
    reads the account and instance prints the node's description."""
    client, username = group[node], USERS[node]
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path))
    toot = [sys.executable, "-m", "toot"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*toot, *args], env=env, capture_output=True, text=True, timeout=120)

    login = run("login_cli", "--instance", client.base, "--email", username, "--password", client.password)
    assert login.returncode == 0, login.stdout + login.stderr
    assert "Successfully logged in" in login.stdout
    whoami = run("whoami", "--json")
    assert whoami.returncode == 0, whoami.stdout + whoami.stderr
    assert json.loads(whoami.stdout)["username"] == username
    instance = run("instance")
    assert instance.returncode == 0, instance.stdout + instance.stderr
    assert f"Archipel {node}" in instance.stdout and "4.3.0 (compatible; Archipel" in instance.stdout


def test_a_closed_account_shows_as_suspended(group):
    """An employee who left: their account id still opens, marked a former employee (with
    ``departed_content: hide``, as Mastodon shows a suspended account: names only,
    ``suspended: true``); their follow lists are gone."""
    fr = group["fr"]

    def manage(*args: str):
        done = subprocess.run([sys.executable, "-m", "services.identity.manage", *args],
                              env={**fr.node.env, "ARCHIPEL_NEW_USER_PASSWORD": "a-long-test-password"},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    manage("create-user", "leaver", "--display-name", "Lea Ver")
    before = fr.api("GET", "/api/v1/accounts/lookup", params={"acct": "leaver"}).json()
    assert before["display_name"] == "Lea Ver" and "suspended" not in before
    manage("deactivate", "leaver", "--by", "admin:tests")
    for resp in (fr.api("GET", "/api/v1/accounts/lookup", params={"acct": "leaver"}),
                 fr.api("GET", f"/api/v1/accounts/{before['id']}")):
        assert resp.status_code == 200, resp.text
        closed = resp.json()
        assert closed["id"] == before["id"] and closed["acct"] == "leaver"
        # the group keeps a departed employee's shared posts (departed_content: keep, the default):
        # named and marked, not "suspended" (apps would hide what it wrote); test_departure.py
        assert closed["display_name"] == "Lea Ver" and closed["former_employee"] is True
        assert "suspended" not in closed and closed["fields"][0]["value"] == "Former employee"
    assert fr.api("GET", f"/api/v1/accounts/{before['id']}/followers").status_code == 404
