"""The group's built-in OpenID provider, started for real (gunicorn) on loopback and
used as a node does, without a browser: authorization code + PKCE through the login
form, the ID token checked against the published JWKS."""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.jwk import KeySet

from deploy.supervision import ProcessSet, free_port
from services.idp import totp
from tests.plugin import REPO, wait_until

# Random secrets may start with "-" (a fresh-clone CI once drew "-7dAz…"): these always do,
# so the operator commands must never read them as options.
PASSWORD = "-demo-" + secrets.token_hex(8)
MFA_SECRET = totp.new_secret()
CLIENT_ID = "fr"
CLIENT_SECRET = "-" + secrets.token_urlsafe(32)
REDIRECT = "http://127.0.0.1:9/oidc/callback"
ACR_PWD = "urn:archipel:acr:pwd"
ACR_MFA = "urn:archipel:acr:mfa"


@dataclass
class IdP:
    base: str
    env: dict
    seed_output: str

    def manage(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "services.idp.manage", *args], env=self.env | env,
                              cwd=REPO, check=True, capture_output=True, text=True, stdin=subprocess.DEVNULL)

    def jwks(self) -> KeySet:
        return KeySet.import_key_set(requests.get(f"{self.base}/jwks", timeout=10).json())

    def token(self, code: str, verifier: str, secret: str = CLIENT_SECRET, basic: bool = True) -> requests.Response:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
                "code_verifier": verifier}
        if basic:
            return requests.post(f"{self.base}/token", data=data, auth=(CLIENT_ID, secret), timeout=10)
        return requests.post(f"{self.base}/token", data=data | {"client_id": CLIENT_ID, "client_secret": secret},
                             timeout=10)

    def userinfo(self, access_token: str) -> requests.Response:
        return requests.get(f"{self.base}/userinfo", headers={"Authorization": f"Bearer {access_token}"},
                            timeout=10)


def _answers(url: str, proc: subprocess.Popen) -> bool:
    if proc.poll() is not None:
        raise RuntimeError(f"the provider exited with {proc.returncode}")
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:  # not listening yet, or still starting (busy machine)
        return False


@pytest.fixture(scope="module")
def idp(infra, request):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MONGODB_URI": infra.mongodb_uri,
           "ARCHIPEL_IDP_DB": f"idp_{uuid.uuid4().hex[:10]}", "ARCHIPEL_IDP_URL": base,
           "ARCHIPEL_DEV_MODE": "1", "ARCHIPEL_IDP_LOCKOUT_AFTER": "3", "ARCHIPEL_IDP_LOCKOUT_SECONDS": "4",
           "PYTHONUNBUFFERED": "1"}
    provider = IdP(base, env, "")
    provider.manage("migrate")
    provider.seed_output = provider.manage("seed-demo", "--mfa-secret", MFA_SECRET,
                                           ARCHIPEL_DEMO_PASSWORD=PASSWORD).stdout  # as the launcher does
    provider.manage("add-client", "--client-id", CLIENT_ID, "--secret", CLIENT_SECRET, "--redirect-uri", REDIRECT,
                    "--name", "Node fr")
    processes = ProcessSet(infra.data_dir / "logs" / "idp")
    request.addfinalizer(processes.stop)
    proc = processes.start("idp", [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--worker-class", "gthread", "--threads", "4", "--log-level", "warning",
        "services.idp.app:create_app()"], env)
    wait_until(lambda: _answers(f"{base}/.well-known/openid-configuration", proc), timeout=60,
               message="the provider to answer")
    return provider


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class Browser:
    """An employee's user agent: keeps the provider's cookie, never follows redirects."""

    def __init__(self, idp: IdP):
        self.idp = idp
        self.http = requests.Session()
        self.verifier, self.challenge = pkce_pair()
        self.nonce = self.state = ""

    def authorize(self, **params) -> requests.Response:
        self.verifier, self.challenge = pkce_pair()
        self.nonce, self.state = secrets.token_urlsafe(16), secrets.token_urlsafe(8)
        query = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT,
                 "scope": "openid profile email", "state": self.state, "nonce": self.nonce,
                 "code_challenge": self.challenge, "code_challenge_method": "S256"}
        query.update(params)
        query = {k: v for k, v in query.items() if v is not None}
        return self.http.get(f"{self.idp.base}/authorize", params=query, allow_redirects=False, timeout=10)

    def submit(self, page: requests.Response, username: str, password: str, otp: str = "",
               csrf: str | None = None) -> requests.Response:
        assert page.status_code in (200, 401), page.text
        action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1) if csrf is None else csrf
        return self.http.post(urljoin(self.idp.base, action), allow_redirects=False, timeout=10,
                              data={"csrf": token, "username": username, "password": password, "otp": otp})

    def code_from(self, resp: requests.Response) -> str:
        assert resp.status_code == 302, resp.text
        location = resp.headers["Location"]
        assert location.startswith(REDIRECT + "?"), location
        query = parse_qs(urlsplit(location).query)
        assert query["state"] == [self.state]
        assert query["iss"] == [self.idp.base]  # RFC 9207
        return query["code"][0]

    def sign_in(self, username: str, password: str = PASSWORD, otp: str = "", **params) -> str:
        page = self.authorize(**params)
        assert page.status_code == 200 and 'name="password"' in page.text, page.text
        return self.code_from(self.submit(page, username, password, otp))


def is_login_form(resp: requests.Response) -> bool:
    return resp.status_code in (200, 401) and "Location" not in resp.headers and 'name="password"' in resp.text


def verified_claims(idp: IdP, tokens: dict, nonce: str) -> dict:
    """The ID token's claims once its signature (against /jwks), iss, aud, exp, iat,
    nonce and at_hash are checked, as a relying party checks them."""
    decoded = jwt.decode(tokens["id_token"], idp.jwks(), algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256" and decoded.header["kid"]
    claims = CodeIDToken(decoded.claims, decoded.header,
                         options={"iss": {"essential": True, "value": idp.base},
                                  "aud": {"essential": True, "value": CLIENT_ID}},
                         params={"nonce": nonce, "access_token": tokens["access_token"]})
    claims.validate()
    assert claims["nonce"] == nonce and claims["at_hash"]
    return dict(claims)


def test_discovery_and_jwks(idp):
    meta = requests.get(f"{idp.base}/.well-known/openid-configuration", timeout=10).json()
    OpenIDProviderMetadata(meta).validate()
    assert meta["issuer"] == idp.base
    for name in ("authorize", "token", "userinfo", "jwks"):
        assert any(meta[k] == f"{idp.base}/{name}" for k in (
            "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"))
    assert meta["response_types_supported"] == ["code"]
    assert meta["grant_types_supported"] == ["authorization_code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert meta["scopes_supported"] == ["openid", "profile", "email"]
    assert {"sub", "preferred_username", "name", "email", "acr", "amr", "home_node", "roles"} <= set(
        meta["claims_supported"])
    assert meta["acr_values_supported"] == [ACR_PWD, ACR_MFA]
    keys = requests.get(meta["jwks_uri"], timeout=10).json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["kid"] and k["use"] == "sig" for k in keys)
    assert not any(private in k for k in keys for private in ("d", "p", "q", "dp", "dq", "qi"))


def test_code_flow_with_pkce_gives_a_signed_id_token(idp):
    browser = Browser(idp)
    code = browser.sign_in("alice")
    resp = idp.token(code, browser.verifier)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Cache-Control"] == "no-store"
    tokens = resp.json()
    assert tokens["token_type"] == "Bearer" and set(tokens["scope"].split()) == {"openid", "profile", "email"}
    claims = verified_claims(idp, tokens, browser.nonce)
    assert claims["iss"] == idp.base and claims["aud"] == CLIENT_ID
    assert claims["sub"] and uuid.UUID(claims["sub"])
    assert claims["sub"] in idp.seed_output  # the directory's stable subject
    assert claims["preferred_username"] == "alice" and claims["name"] == "Alice Martin"
    assert claims["email"] == "alice@fr.archipel.example" and claims["email_verified"] is True
    assert claims["home_node"] == "fr" and claims["roles"] == ["node_admin", "community_creator"]
    assert claims["acr"] == ACR_PWD and claims["amr"] == ["pwd"]
    assert claims["iat"] <= claims["exp"] and claims["auth_time"] <= claims["iat"]
    info = idp.userinfo(tokens["access_token"])
    assert info.status_code == 200, info.text
    assert info.json() == {k: claims[k] for k in (
        "sub", "preferred_username", "name", "email", "email_verified", "home_node", "roles")}
    # bob's claims, through client_secret_post this time
    browser = Browser(idp)
    tokens = idp.token(browser.sign_in("BOB"), browser.verifier, basic=False).json()
    claims = verified_claims(idp, tokens, browser.nonce)
    assert (claims["preferred_username"], claims["home_node"], claims["roles"]) == (
        "bob", "de", ["moderator", "community_creator"])


def test_a_code_is_single_use_and_a_replay_revokes_its_tokens(idp):
    browser = Browser(idp)
    code = browser.sign_in("alain")
    tokens = idp.token(code, browser.verifier).json()
    assert idp.userinfo(tokens["access_token"]).status_code == 200
    again = idp.token(code, browser.verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert idp.userinfo(tokens["access_token"]).status_code == 401


def test_wrong_password_shows_the_form_again_without_a_code(idp):
    browser = Browser(idp)
    page = browser.authorize()
    resp = browser.submit(page, "alice", "not-the-password")
    assert is_login_form(resp) and resp.status_code == 401
    assert "wrong password" in resp.text and "code=" not in resp.text
    unknown = browser.submit(resp, "nobody", PASSWORD)
    assert is_login_form(unknown) and "wrong password" in unknown.text
    # A login post without the form's CSRF token is refused, whatever the credentials.
    forged = browser.submit(page, "alice", PASSWORD, csrf="forged")
    assert forged.status_code == 400 and "Location" not in forged.headers
    # The right password on the same form still works.
    assert browser.code_from(browser.submit(page, "alice", PASSWORD))


def test_pkce_is_required_and_checked(idp):
    browser = Browser(idp)
    code = browser.sign_in("alice")
    wrong = idp.token(code, pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code = browser.sign_in("alice", prompt="login")
    missing = requests.post(f"{idp.base}/token", auth=(CLIENT_ID, CLIENT_SECRET), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    # An authorization request without a challenge, or with plain, goes back to the client as an error.
    for params in ({"code_challenge": None, "code_challenge_method": None}, {"code_challenge_method": "plain"}):
        resp = browser.authorize(**params)
        assert resp.status_code == 302
        query = parse_qs(urlsplit(resp.headers["Location"]).query)
        assert query["error"] == ["invalid_request"] and "code" not in query
    # A wrong client secret gets no token.
    code = browser.sign_in("alice", prompt="login")
    resp = idp.token(code, browser.verifier, secret="x" * 32)
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_client"


def test_mfa_employee_needs_the_one_time_code(idp):
    assert MFA_SECRET in idp.seed_output
    browser = Browser(idp)
    page = browser.authorize(acr_values=ACR_MFA)
    without = browser.submit(page, "berta", PASSWORD)
    assert is_login_form(without) and "one-time code" in without.text
    wrong_code = f"{(int(totp.code_at(MFA_SECRET)) + 1) % 10**6:06d}"
    wrong = browser.submit(page, "berta", PASSWORD, wrong_code)
    assert is_login_form(wrong) and wrong.status_code == 401
    one_time = totp.code_at(MFA_SECRET)
    code = browser.code_from(browser.submit(page, "berta", PASSWORD, one_time))
    tokens = idp.token(code, browser.verifier).json()
    claims = verified_claims(idp, tokens, browser.nonce)
    assert claims["preferred_username"] == "berta" and claims["home_node"] == "de"
    assert claims["roles"] == ["community_creator"]
    assert claims["amr"] == ["pwd", "otp"] and claims["acr"] == ACR_MFA
    # The same one-time code does not sign in twice.
    other = Browser(idp)
    replay = other.submit(other.authorize(), "berta", PASSWORD, one_time)
    assert is_login_form(replay)
    # Single sign-on keeps what was achieved: another node's request gets a code at once.
    again = browser.authorize(acr_values=ACR_MFA)
    claims = verified_claims(idp, idp.token(browser.code_from(again), browser.verifier).json(), browser.nonce)
    assert claims["amr"] == ["pwd", "otp"] and claims["acr"] == ACR_MFA


def test_a_password_only_employee_reports_the_acr_achieved(idp):
    browser = Browser(idp)
    code = browser.sign_in("alain", acr_values=ACR_MFA)
    claims = verified_claims(idp, idp.token(code, browser.verifier).json(), browser.nonce)
    assert claims["acr"] == ACR_PWD and claims["amr"] == ["pwd"]


def test_unknown_redirect_uri_or_client_is_an_error_not_a_redirect(idp):
    browser = Browser(idp)
    for params in ({"redirect_uri": "http://evil.example/cb"}, {"redirect_uri": REDIRECT + "/more"},
                   {"redirect_uri": None}, {"client_id": "nobody"}):
        resp = browser.authorize(**params)
        assert resp.status_code == 400 and "Location" not in resp.headers, params
        assert "evil.example" not in resp.headers.get("Location", "")
    # Same after a successful sign-in: a session does not make an unknown address acceptable.
    browser.sign_in("alice")
    resp = browser.authorize(redirect_uri="http://evil.example/cb")
    assert resp.status_code == 400 and "Location" not in resp.headers


def test_single_sign_on_prompt_and_max_age(idp):
    browser = Browser(idp)
    first = verified_claims(idp, idp.token(browser.sign_in("bob"), browser.verifier).json(), browser.nonce)
    # signed in once for the whole group: the next node's request needs no form
    code = browser.code_from(browser.authorize())
    second = verified_claims(idp, idp.token(code, browser.verifier).json(), browser.nonce)
    assert second["sub"] == first["sub"] and second["auth_time"] == first["auth_time"]
    assert browser.code_from(browser.authorize(prompt="none"))
    assert is_login_form(browser.authorize(prompt="login"))
    assert is_login_form(browser.authorize(max_age="0"))
    code = browser.code_from(browser.authorize(max_age="3600"))
    assert verified_claims(idp, idp.token(code, browser.verifier).json(), browser.nonce)["sub"] == first["sub"]
    # signing out at the provider ends the single sign-on session
    page = browser.http.get(f"{idp.base}/logout", timeout=10)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert browser.http.post(f"{idp.base}/logout", data={"csrf": "forged"}, timeout=10).status_code == 400
    assert browser.http.post(f"{idp.base}/logout", data={"csrf": csrf}, timeout=10).status_code == 200
    assert is_login_form(browser.authorize())
    # without a session, prompt=none answers login_required to the client
    stranger = Browser(idp)
    resp = stranger.authorize(prompt="none")
    assert resp.status_code == 302
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert query["error"] == ["login_required"] and query["state"] == [stranger.state] and "code" not in query


def test_deactivation_cuts_access_at_once(idp):
    idp.manage("add-employee", "amelie", "--home-node", "fr", "--name", "Amélie Petit", "--email",
               "amelie@fr.archipel.example", "--role", "community_creator",
               ARCHIPEL_NEW_USER_PASSWORD="amelie-" + PASSWORD)
    browser = Browser(idp)
    tokens = idp.token(browser.sign_in("amelie", "amelie-" + PASSWORD), browser.verifier).json()
    claims = verified_claims(idp, tokens, browser.nonce)
    assert claims["name"] == "Amélie Petit" and claims["roles"] == ["community_creator"]
    idp.manage("deactivate-employee", "amelie")
    assert idp.userinfo(tokens["access_token"]).status_code == 401
    assert is_login_form(browser.authorize())  # the single sign-on session is void
    refused = Browser(idp)
    assert is_login_form(refused.submit(refused.authorize(), "amelie", "amelie-" + PASSWORD))
    idp.manage("activate-employee", "amelie")
    assert is_login_form(browser.authorize())  # old sessions stay void after reactivation
    assert Browser(idp).sign_in("amelie", "amelie-" + PASSWORD)


def test_repeated_failures_lock_the_account_for_a_while(idp):
    idp.manage("add-employee", "lukas", "--home-node", "de", "--role", "community_creator",
               ARCHIPEL_NEW_USER_PASSWORD="lukas-" + PASSWORD)
    browser = Browser(idp)
    page = browser.authorize()
    for _ in range(3):  # ARCHIPEL_IDP_LOCKOUT_AFTER=3
        page = browser.submit(page, "lukas", "wrong")
        assert is_login_form(page)
    assert is_login_form(browser.submit(page, "lukas", "lukas-" + PASSWORD))  # locked
    # ARCHIPEL_IDP_LOCKOUT_SECONDS=4: then the right password works again
    wait_until(lambda: browser.submit(browser.authorize(), "lukas", "lukas-" + PASSWORD).status_code == 302,
               timeout=15, interval=0.5, message="the lockout to end")


def test_key_rotation_keeps_the_previous_key_published(idp):
    browser = Browser(idp)
    before = idp.token(browser.sign_in("alain"), browser.verifier).json()
    old_kid = jwt.decode(before["id_token"], idp.jwks()).header["kid"]
    new_kid = idp.manage("rotate-signing-key").stdout.split()[-1]
    assert new_kid != old_kid
    kids = [k["kid"] for k in requests.get(f"{idp.base}/jwks", timeout=10).json()["keys"]]
    assert kids[0] == new_kid and old_kid in kids
    code = browser.code_from(browser.authorize())
    after = idp.token(code, browser.verifier).json()
    assert jwt.decode(after["id_token"], idp.jwks()).header["kid"] == new_kid
    verified_claims(idp, after, browser.nonce)
    jwt.decode(before["id_token"], idp.jwks())  # tokens signed before still verify
