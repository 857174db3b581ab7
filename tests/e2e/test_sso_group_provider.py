"""Single sign-on with the group's built-in OpenID provider: the demo employees sign in
at their home node with the group account the nodes' seeded accounts are linked to."""

from __future__ import annotations

import re

import requests

from fedkit.runtime.demo import demo_subject
from tests.e2e.sso_support import follow_to_node, start_sso, token_for_signed_in


def sign_in_at_group_provider(group, browser: requests.Session, authorize_url: str, username: str):
    assert authorize_url.startswith(group.idp.base_url)
    form = browser.get(authorize_url)
    assert form.status_code == 200 and 'name="password"' in form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    action = re.search(r'<form method="post" action="([^"]*)"', form.text)
    target = requests.compat.urljoin(form.url, action.group(1).replace("&amp;", "&")) if action else form.url
    return browser.post(target, data={"csrf": csrf, "username": username, "password": group["fr"].password},
                        allow_redirects=False)


def test_an_employee_signs_in_with_the_group_account(group):
    fr = group["fr"]
    browser = requests.Session()
    redirect = start_sso(fr.base, browser)
    back = follow_to_node(fr.base, browser, sign_in_at_group_provider(group, browser, redirect.headers["Location"],
                                                                       "alice"))
    assert back.status_code == 302, back.text
    account = fr.db.accounts.find_one({"_id": "alice"})
    assert (account["issuer"], account["subject"]) == (group.idp.base_url, demo_subject("alice"))
    assert account["roles"] == ["node_admin", "community_creator"]
    token = token_for_signed_in(fr, browser)
    resp = requests.get(f"{fr.base}/users/alice/inbox", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200


def test_a_user_of_fr_signing_in_on_de_is_sent_home(group):
    fr, de = group["fr"], group["de"]
    browser = requests.Session()
    redirect = start_sso(de.base, browser)
    back = follow_to_node(de.base, browser, sign_in_at_group_provider(group, browser, redirect.headers["Location"],
                                                                       "alain"))
    # not an error: a page says where alain's account lives, with a link there
    assert back.status_code == 200, back.text
    assert f"You work at fr; your account lives at {fr.base.split('://')[1]}." in back.text
    assert f'href="{fr.base}/web/login"' in back.text
    # at home, the provider's session signs alain in without a second password
    home = start_sso(fr.base, browser)
    answer = browser.get(home.headers["Location"], allow_redirects=False)
    landed = follow_to_node(fr.base, browser, answer)
    assert landed.status_code == 302
    assert de.db.accounts.find_one({"subject": demo_subject("alain")}) is None


def test_a_wrong_password_gives_no_code(group):
    fr = group["fr"]
    browser = requests.Session()
    redirect = start_sso(fr.base, browser)
    form = browser.get(redirect.headers["Location"])
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    resp = browser.post(form.url, data={"csrf": csrf, "username": "alice", "password": "wrong"},
                        allow_redirects=False)
    assert resp.status_code in (200, 401) and "code=" not in resp.headers.get("Location", "")
