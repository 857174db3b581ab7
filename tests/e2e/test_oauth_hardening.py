"""OAuth, passwords and web sessions under hostile use, against real nodes: token
revocation (RFC 7009), scopes (Mastodon's rule), password guessing, CSRF on forms,
sign-out and session lifetime, PKCE S256, credentials stored as digests, and the demo's
per-node secrets."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import uuid

import requests

from tests.e2e.test_oauth_flow import REDIRECT, pkce_pair
from tests.plugin import REPO


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def register(node, scopes: str = "read write follow", redirect: str | None = None) -> dict:
    data = {"client_name": "hardening", "scopes": scopes} | ({"redirect_uris": redirect} if redirect else {})
    resp = node.http.post(f"{node.base}/api/v1/apps", data=data)
    assert resp.status_code == 200, resp.text
    return resp.json()


def grant(node, app: dict, username: str, password: str, scope: str, **extra) -> requests.Response:
    return requests.post(f"{node.base}/oauth/token", data={
        "grant_type": "password", "username": username, "password": password, "scope": scope,
        "client_id": app["client_id"], "client_secret": app["client_secret"]} | extra, timeout=30)


def token_for(node, username: str, scopes: str) -> str:
    app = register(node, scopes)
    resp = grant(node, app, username, node.password, scopes)
    assert resp.status_code == 200, resp.text
    assert set(resp.json()["scope"].split()) == set(scopes.split())
    return resp.json()["access_token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def inbox_status(node, username: str, token: str) -> int:
    return requests.get(f"{node.actor(username)}/inbox?page=true", headers=bearer(token), timeout=30).status_code


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def signed_in_browser(node, username: str = "alice") -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{node.base}/login")
    assert page.status_code == 200
    resp = browser.post(f"{node.base}/login", data={"username": username, "password": node.password,
                                                   "csrf": csrf_of(page.text)}, allow_redirects=False)
    assert resp.status_code == 302, resp.text
    return browser


# -- revocation ----------------------------------------------------------------------------
def test_revocation_takes_no_operators_and_needs_the_apps_secret(group):
    fr = group["fr"]
    app, other = register(fr), register(fr)
    resp = grant(fr, app, "alice", fr.password, "read write follow")
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]

    # The tester's attack: anonymous, a MongoDB operator for the token.
    for body in ({"token": {"$regex": "^"}}, {"token": {"$ne": ""}}, {"token": ["x"]}, ["x"]):
        attack = requests.post(f"{fr.base}/oauth/revoke", json=body, timeout=30)
        assert attack.status_code == 400, (body, attack.text)
    assert requests.post(f"{fr.base}/oauth/revoke", json={"token": {"$regex": "^"}, "client_id": app["client_id"],
                                                          "client_secret": app["client_secret"]},
                         timeout=30).status_code == 400
    # Without the app's credentials: no revocation at all (RFC 7009 §2.1).
    anonymous = requests.post(f"{fr.base}/oauth/revoke", data={"token": token}, timeout=30)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    wrong_secret = requests.post(f"{fr.base}/oauth/revoke", data={
        "token": token, "client_id": app["client_id"], "client_secret": "not-it"}, timeout=30)
    assert wrong_secret.status_code == 401
    assert inbox_status(fr, "alice", token) == 200

    # Another app cannot revoke it: answered 200 as the RFC says, and nothing happens.
    foreign = requests.post(f"{fr.base}/oauth/revoke", data={
        "token": token, "client_id": other["client_id"], "client_secret": other["client_secret"]}, timeout=30)
    assert foreign.status_code == 200
    assert inbox_status(fr, "alice", token) == 200
    unknown = requests.post(f"{fr.base}/oauth/revoke", data={"token": "no-such-token"},
                            auth=(app["client_id"], app["client_secret"]), timeout=30)
    assert unknown.status_code == 200

    # Its own app revokes it (a JSON body, as some Mastodon clients send).
    own = requests.post(f"{fr.base}/oauth/revoke", json={
        "token": token, "client_id": app["client_id"], "client_secret": app["client_secret"]}, timeout=30)
    assert own.status_code == 200
    assert inbox_status(fr, "alice", token) == 401


# -- scopes --------------------------------------------------------------------------------
def test_a_granular_scope_grants_only_itself(group):
    fr = group["fr"]
    note = fr.publish("alice", {"type": "Note", "content": "scopes", "to": ["https://www.w3.org/ns/activitystreams#Public"]})
    favourites = token_for(fr, "alain", "read write:favourites")
    post = requests.post(f"{fr.actor('alain')}/outbox", json={"type": "Note", "content": "escalated"},
                         headers=bearer(favourites), timeout=30)
    assert post.status_code == 403 and post.json()["error"] == "insufficient_scope", post.text
    follow = requests.post(f"{fr.actor('alain')}/outbox", json={"type": "Follow", "object": fr.actor("alice")},
                           headers=bearer(favourites), timeout=30)
    assert follow.status_code == 403
    like = requests.post(f"{fr.actor('alain')}/outbox", json={"type": "Like", "object": note["object"]["id"]},
                         headers=bearer(favourites), timeout=30)
    assert like.status_code == 201, like.text
    undo = requests.post(f"{fr.actor('alain')}/outbox", json={"type": "Undo", "object": like.json()["id"]},
                         headers=bearer(favourites), timeout=30)
    assert undo.status_code == 201, undo.text

    statuses = token_for(fr, "alain", "write:statuses")
    assert requests.post(f"{fr.actor('alain')}/outbox", json={"type": "Note", "content": "allowed"},
                         headers=bearer(statuses), timeout=30).status_code == 201
    assert requests.post(f"{fr.actor('alain')}/outbox", json={"type": "Like", "object": note["object"]["id"]},
                         headers=bearer(statuses), timeout=30).status_code == 403
    profile = requests.post(f"{fr.actor('alain')}/outbox", json={
        "type": "Update", "object": {"id": fr.actor("alain"), "type": "Person", "name": "Alain D."}},
        headers=bearer(statuses), timeout=30)
    assert profile.status_code == 403  # the profile is write:accounts

    assert inbox_status(fr, "alain", token_for(fr, "alain", "read:notifications")) == 403
    assert inbox_status(fr, "alain", token_for(fr, "alain", "read:statuses")) == 200
    assert requests.post(f"{fr.base}/communities", json={"name": "Scoped"}, headers=bearer(favourites),
                         timeout=30).status_code == 403


# -- passwords -----------------------------------------------------------------------------
def create_user(node, username: str, password: str) -> None:
    done = subprocess.run([sys.executable, "-m", "services.identity.manage", "create-user", username], cwd=REPO,
                          env=node.node.env | {"ARCHIPEL_NEW_USER_PASSWORD": password}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_password_guessing_is_throttled_per_account(group):
    fr = group["fr"]
    app = register(fr)
    known, unknown = f"guess{uuid.uuid4().hex[:8]}", f"ghost{uuid.uuid4().hex[:8]}"
    create_user(fr, known, "the-right-password-1")
    answers = {}
    for name in (known, unknown):
        for _ in range(5):
            wrong = grant(fr, app, name, "wrong-password", "read")
            assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
            answers.setdefault(name, wrong.json())
    assert answers[known] == answers[unknown]  # one answer whether the account exists or not
    for name in (known, unknown):
        locked = grant(fr, app, name, "wrong-password", "read")
        assert locked.status_code == 429, locked.text
        assert int(locked.headers["Retry-After"]) > 60
    # Locked means locked: the right password waits too, on the login page as well.
    assert grant(fr, app, known, "the-right-password-1", "read").status_code == 429
    browser = requests.Session()
    page = browser.get(f"{fr.base}/login")
    form = browser.post(f"{fr.base}/login", data={"username": known, "password": "the-right-password-1",
                                                  "csrf": csrf_of(page.text)}, allow_redirects=False)
    assert form.status_code == 429 and "Retry-After" in form.headers
    # Other accounts are not affected, and right passwords are never throttled.
    for _ in range(8):
        assert grant(fr, app, "alice", fr.password, "read").status_code == 200


def test_password_grant_needs_the_apps_secret(group):
    fr = group["fr"]
    app = register(fr)
    no_secret = requests.post(f"{fr.base}/oauth/token", data={
        "grant_type": "password", "username": "alice", "password": fr.password, "scope": "read",
        "client_id": app["client_id"]}, timeout=30)
    assert no_secret.status_code == 401 and no_secret.json()["error"] == "invalid_client"
    wrong = grant(fr, app, "alice", fr.password, "read", client_secret="not-the-secret")
    assert wrong.status_code == 401


# -- web sessions and forms ----------------------------------------------------------------
def test_login_form_needs_its_csrf_token(group):
    fr = group["fr"]
    browser = requests.Session()
    browser.get(f"{fr.base}/login")
    forged = browser.post(f"{fr.base}/login", data={"username": "alice", "password": fr.password},
                          allow_redirects=False)
    assert forged.status_code == 400
    assert signed_in_browser(fr) is not None


def authorize_url(node, app: dict, challenge: str, method: str = "S256") -> str:
    return requests.Request("GET", f"{node.base}/oauth/authorize", params={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "read",
        "code_challenge": challenge, "code_challenge_method": method}).prepare().url


def test_sign_out_ends_the_session_everywhere_its_cookie_went(group):
    fr = group["fr"]
    app = register(fr, "read", REDIRECT)
    url = authorize_url(fr, app, pkce_pair()[1])
    browser = signed_in_browser(fr)
    stolen = requests.Session()
    stolen.cookies.update(browser.cookies)
    assert browser.get(url, allow_redirects=False).status_code == 200
    assert stolen.get(url, allow_redirects=False).status_code == 200
    page = browser.get(f"{fr.base}/logout")
    assert page.status_code == 200 and "Sign out" in page.text
    assert browser.post(f"{fr.base}/logout", data={}, allow_redirects=False).status_code == 400  # no CSRF token
    done = browser.post(f"{fr.base}/logout", data={"csrf": csrf_of(page.text)}, allow_redirects=False)
    assert done.status_code == 303
    for session in (browser, stolen):
        resp = session.get(url, allow_redirects=False)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_a_session_ends_with_its_lifetime(group):
    fr = group["fr"]
    app = register(fr, "read", REDIRECT)
    url = authorize_url(fr, app, pkce_pair()[1])
    browser = signed_in_browser(fr, "amelie")
    assert browser.get(url, allow_redirects=False).status_code == 200
    [record] = fr.db.web_sessions.find({"username": "amelie"}).sort("created_at", -1).limit(1)
    lifetime = record["expires_at"] - record["created_at"]
    assert 11 * 3600 < lifetime.total_seconds() <= 12 * 3600  # ARCHIPEL_SESSION_HOURS, 12 by default
    fr.db.web_sessions.update_one({"_id": record["_id"]}, {"$set": {"expires_at": record["created_at"]}})
    resp = browser.get(url, allow_redirects=False)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_pkce_plain_is_refused(group):
    fr = group["fr"]
    app = register(fr, "read", REDIRECT)
    browser = signed_in_browser(fr)
    verifier = "v" * 50
    resp = browser.get(authorize_url(fr, app, verifier, "plain"), allow_redirects=False)
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request", resp.text


# -- storage -------------------------------------------------------------------------------
def test_secrets_and_tokens_are_kept_as_digests(group):
    fr = group["fr"]
    app = register(fr)
    token = grant(fr, app, "alice", fr.password, "read").json()["access_token"]
    stored = fr.db.oauth_clients.find_one({"_id": app["client_id"]})
    assert "client_secret" not in stored and stored["client_secret_hash"] == sha256(app["client_secret"])
    assert fr.db.oauth_tokens.find_one({"_id": token}) is None
    assert fr.db.oauth_tokens.find_one({"_id": sha256(token)})["username"] == "alice"
    assert app["client_secret"] not in str(list(fr.db.oauth_clients.find()))


def test_each_demo_node_has_its_own_secrets(group):
    envs = [group.nodes[name].env for name in ("fr", "de", "partner")]
    for variable in ("ARCHIPEL_INTERNAL_SECRET", "ARCHIPEL_SECRET_KEY", "ARCHIPEL_SCIM_TOKEN"):
        assert len({env[variable] for env in envs}) == 3, variable
    fr, de = group["fr"], group["de"]
    assert requests.get(f"{de.base}/scim/v2/Users", headers=bearer(fr.scim_token), timeout=30).status_code == 401
    assert requests.get(f"{de.base}/scim/v2/Users", headers=bearer(de.scim_token), timeout=30).status_code == 200
