"""Single sign-on against an independent, standard OpenID provider from PyPI
(oidc-provider-mock): the node code is the same as with the group's own provider."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import requests

from deploy.supervision import free_port, wait_for_port
from tests.e2e.sso_support import follow_to_node, point_registry_at, start_sso, token_for_signed_in

CLAIMS = [
    {"sub": "mock-7f3a", "preferred_username": "marie", "name": "Marie Curie", "email": "marie@fr.example",
     "home_node": "fr", "roles": ["community_creator", "not-a-role"]},
    {"sub": "mock-9c21", "preferred_username": "dieter", "name": "Dieter Rams", "home_node": "de", "roles": []},
]


@pytest.fixture(scope="module")
def provider(group):
    port = free_port()
    argv = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--require-nonce", "true"]
    for claims in CLAIMS:
        argv += ["--user-claims", json.dumps(claims)]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    registry = group.infra.data_dir / "group-registry.json"
    before = None
    try:
        wait_for_port(port, 30, proc)
        base = f"http://127.0.0.1:{port}"
        before = point_registry_at(registry, f"{base}/.well-known/openid-configuration")
        yield base
    finally:
        if before is not None:
            registry.write_text(before)
        proc.terminate()
        proc.wait(10)


def sign_in_at_provider(provider_base: str, browser: requests.Session, authorize_url: str, sub: str):
    assert authorize_url.startswith(provider_base)
    form = browser.get(authorize_url)
    assert form.status_code == 200
    return browser.post(authorize_url, data={"sub": sub}, allow_redirects=False)


def test_login_creates_the_account_once_and_gives_a_working_token(group, provider):
    fr = group["fr"]
    login_page = requests.get(f"{fr.base}/login")
    assert "Sign in with the group" in login_page.text
    browser = requests.Session()
    redirect = start_sso(fr.base, browser, next_path="/")
    answer = sign_in_at_provider(provider, browser, redirect.headers["Location"], "mock-7f3a")
    back = follow_to_node(fr.base, browser, answer)
    assert back.status_code == 302 and back.headers["Location"] == "/"
    account = fr.db.accounts.find_one({"issuer": provider, "subject": "mock-7f3a"})
    assert account["_id"] == "marie" and account["display_name"] == "Marie Curie"
    assert account["roles"] == ["community_creator"]  # unknown roles are dropped
    token = token_for_signed_in(fr, browser)
    inbox = requests.get(f"{fr.base}/users/marie/inbox", headers={"Authorization": f"Bearer {token}"})
    assert inbox.status_code == 200
    # a second sign-in finds the same account: the username is derived once
    again = requests.Session()
    redirect = start_sso(fr.base, again)
    follow_to_node(fr.base, again, sign_in_at_provider(provider, again, redirect.headers["Location"], "mock-7f3a"))
    assert fr.db.accounts.count_documents({"subject": "mock-7f3a"}) == 1


def test_an_employee_of_another_subsidiary_is_sent_home(group, provider):
    fr, de = group["fr"], group["de"]
    browser = requests.Session()
    redirect = start_sso(de.base, browser)
    back = follow_to_node(de.base, browser, sign_in_at_provider(provider, browser, redirect.headers["Location"],
                                                                "mock-7f3a"))
    # a page (not an error) says where the account lives and links to that node's web app
    assert back.status_code == 200 and f'href="{fr.base}/web/login"' in back.text
    assert de.db.accounts.find_one({"subject": "mock-7f3a"}) is None  # no account on de


def test_a_forged_state_or_a_replayed_callback_is_refused(group, provider):
    fr = group["fr"]
    browser = requests.Session()
    redirect = start_sso(fr.base, browser)
    answer = sign_in_at_provider(provider, browser, redirect.headers["Location"], "mock-9c21")
    callback = answer.headers["Location"]
    forged = browser.get(callback.replace("state=", "state=x"), allow_redirects=False)
    assert forged.status_code == 403 and "expired" in forged.text
    # the pending sign-in was consumed: the genuine callback cannot be replayed either
    assert browser.get(callback, allow_redirects=False).status_code == 403


def signed_in_token(client, provider_base: str, sub: str) -> str:
    browser = requests.Session()
    redirect = start_sso(client.base, browser)
    follow_to_node(client.base, browser, sign_in_at_provider(provider_base, browser, redirect.headers["Location"],
                                                              sub))
    return token_for_signed_in(client, browser)


def test_the_directory_claims_decide_who_creates_communities(group, provider):
    fr, de = group["fr"], group["de"]
    marie = signed_in_token(fr, provider, "mock-7f3a")
    created = requests.post(f"{fr.base}/communities", headers={"Authorization": f"Bearer {marie}"},
                            json={"name": "Radium safety", "openness": "free"})
    assert created.status_code == 201, created.text
    dieter = signed_in_token(de, provider, "mock-9c21")  # no community_creator role
    refused = requests.post(f"{de.base}/communities", headers={"Authorization": f"Bearer {dieter}"},
                            json={"name": "Design", "openness": "free"})
    assert refused.status_code == 403 and refused.json()["error"] == "not_allowed"
