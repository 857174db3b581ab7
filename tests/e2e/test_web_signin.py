"""Signing in to the web app in a real headless Chromium against the group's real processes
(issue 10, "Sign-in"): in French, the node's sign-in page and the group provider's form speak
French, and the web app (the node's own, first-party client) lands on home without a consent
screen; signing out ends the node's session and revokes the token, so signing in again goes
back through the node's sign-in page to the provider; an employee of another subsidiary is
shown where their account lives. Screenshots (desktop and 375 px) for a person to look at."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    all_css,
    by_css,
    screenshot,
)
from tests.e2e.test_web_browser import browsers  # noqa: F401 (a fixture)
from tests.plugin import wait_until

GROUP_ACCOUNT_FR = "Se connecter avec le compte du groupe"


def csp_violations(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


def web_tokens(node, username: str) -> set[str]:
    """The ids of the live tokens of the node's own web app for ``username`` (other tests'
    browsers may hold some: compare with what was there before)."""
    client = node.db.oauth_clients.find_one({"client_name": "Archipel web", "first_party": True})
    if client is None:
        return set()
    return {t["_id"] for t in node.db.oauth_tokens.find({"client_id": client["_id"], "username": username,
                                                         "revoked": False}, {"_id": 1})}


def to_the_nodes_sign_in_page(driver, node_base: str) -> None:
    driver.get(node_base + "/")
    by_css(driver, 'a.button.primary[href="/web/login"]').click()
    wait_until(lambda: driver.find_elements(By.PARTIAL_LINK_TEXT, GROUP_ACCOUNT_FR), 30,
               message="the node's sign-in page, in French")


def test_sign_in_in_french_without_consent_then_sign_out_and_in_again(group, browsers):  # noqa: F811
    fr = group["fr"]
    before = web_tokens(fr, "alain")
    alain = browsers("fr-FR,fr")
    to_the_nodes_sign_in_page(alain, fr.base)
    assert by_css(alain, "html").get_attribute("lang") == "fr"
    assert by_css(alain, "h1").text == "Se connecter"
    assert accessibility_problems(alain) == []
    screenshot(alain, "signin-node-fr-desktop")
    screenshot(alain, "signin-node-fr-375", PHONE)
    alain.find_element(By.PARTIAL_LINK_TEXT, GROUP_ACCOUNT_FR).click()
    # the group provider's form, in French too
    wait_until(lambda: alain.find_elements(By.ID, "username"), 30, message="the provider's sign-in form")
    assert by_css(alain, "html").get_attribute("lang") == "fr"
    assert by_css(alain, "h1").text == "Connexion au groupe"
    assert by_css(alain, 'label[for="password"]').text == "Mot de passe"
    assert accessibility_problems(alain) == []
    screenshot(alain, "signin-provider-fr-desktop")
    screenshot(alain, "signin-provider-fr-375", PHONE)
    by_css(alain, "#username").send_keys("alain")
    by_css(alain, "#password").send_keys(fr.password)
    by_css(alain, "button[type=submit]").click()
    # straight to the web app: the node's own client is not asked for consent
    wait_until(lambda: all_css(alain, "form.signout") or all_css(alain, 'button[name="confirm"]'), 30,
               message="the web app (or a consent page)")
    assert not all_css(alain, 'button[name="confirm"]'), "the web app was asked for consent"
    assert by_css(alain, "html").get_attribute("lang") == "fr"
    assert fr.db.oauth_clients.find_one({"client_name": "Archipel web", "first_party": True}), "first-party"
    assert len(web_tokens(fr, "alain") - before) == 1
    assert not csp_violations(alain)
    screenshot(alain, "signin-home-fr-desktop")
    # a third-party app is still asked for, on a consent page in French
    app = fr.http.post(f"{fr.base}/api/v1/apps", data={"client_name": "Appli tierce",
                                                       "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                                                       "scopes": "read"}).json()
    alain.get(f"{fr.base}/oauth/authorize?response_type=code&client_id={app['client_id']}"
              "&redirect_uri=urn:ietf:wg:oauth:2.0:oob&scope=read")
    assert by_css(alain, "h1").text == "Autoriser Appli tierce"
    assert by_css(alain, 'button[name="confirm"][value="yes"]').text == "Autoriser"
    assert accessibility_problems(alain) == []
    screenshot(alain, "signin-consent-fr-desktop")
    screenshot(alain, "signin-consent-fr-375", PHONE)
    alain.get(fr.base + "/web/home")

    # signing out revokes the token and ends the node's own session...
    by_css(alain, "form.signout button").click()
    wait_until(lambda: "signed_out=1" in alain.current_url, 30, message="the signed-out page")
    assert web_tokens(fr, "alain") - before == set()
    # ...so "sign in" goes back through the node's sign-in page to the provider
    to_the_nodes_sign_in_page(alain, fr.base)
    assert "/login" in alain.current_url
    alain.find_element(By.PARTIAL_LINK_TEXT, GROUP_ACCOUNT_FR).click()
    # the provider still knows alain (the group's single sign-on session): no second password
    wait_until(lambda: all_css(alain, "form.signout"), 30, message="signed in again through the provider")
    assert len(web_tokens(fr, "alain") - before) == 1
    by_css(alain, "form.signout button").click()  # leave alain signed out, as found
    wait_until(lambda: "signed_out=1" in alain.current_url, 30, message="signed out at the end")


def test_an_employee_of_another_subsidiary_is_shown_the_way_home(group, browsers):  # noqa: F811
    fr, de = group["fr"], group["de"]
    berta_host = de.base.split("://")[1]
    bob = browsers("de-DE,de")
    bob.get(fr.base + "/web/login")
    wait_until(lambda: bob.find_elements(By.PARTIAL_LINK_TEXT, "Mit dem Konto der Gruppe anmelden"), 30,
               message="fr's sign-in page, in German")
    bob.find_element(By.PARTIAL_LINK_TEXT, "Mit dem Konto der Gruppe anmelden").click()
    wait_until(lambda: bob.find_elements(By.ID, "username"), 30, message="the provider's form")
    by_css(bob, "#username").send_keys("bob")
    by_css(bob, "#password").send_keys(fr.password)
    by_css(bob, "button[type=submit]").click()
    wait_until(lambda: "Ihr Konto liegt auf einem anderen Knoten" in bob.page_source, 30,
               message="the page that says where bob's account lives")
    assert f"Sie arbeiten bei de; Ihr Konto liegt auf {berta_host}." in by_css(bob, "main").text
    assert accessibility_problems(bob) == []
    screenshot(bob, "signin-home-node-de-desktop")
    screenshot(bob, "signin-home-node-de-375", PHONE)
    assert fr.db.accounts.find_one({"_id": "bob"}) is None
    link = by_css(bob, "main a.button.primary")
    assert link.get_attribute("href") == f"{de.base}/web/login"


def test_the_demo_administrator_signs_in_with_her_one_time_code(group):
    """anna, fr's demo administrator, is enrolled in a second factor (the secret the launcher
    prints): the provider asks her code, refuses a wrong one, and the right one signs her in
    at fr as an administrator."""
    import re

    import requests

    from services.idp import totp
    from tests.e2e.sso_support import follow_to_node, start_sso

    fr = group["fr"]
    printed = next(line for line in group.idp.one_time_codes if line.startswith("anna "))
    secret = printed.rsplit(" ", 1)[1]
    browser = requests.Session()
    authorize = start_sso(fr.base, browser).headers["Location"]
    form = browser.get(authorize)
    fields = {"csrf": re.search(r'name="csrf" value="([^"]+)"', form.text).group(1), "username": "anna",
              "password": fr.password}
    asked = browser.post(authorize, data=fields, allow_redirects=False)
    assert asked.status_code == 401 and "one-time code" in asked.text
    wrong = f"{(int(totp.code_at(secret)) + 1) % 10**6:06d}"
    refused = browser.post(authorize, data={**fields, "otp": wrong}, allow_redirects=False)
    assert refused.status_code == 401 and "Location" not in refused.headers
    accepted = browser.post(authorize, data={**fields, "otp": totp.code_at(secret)}, allow_redirects=False)
    back = follow_to_node(fr.base, browser, accepted)
    assert back.status_code == 302, back.text
    account = fr.db.accounts.find_one({"_id": "anna"})
    assert account is not None and "node_admin" in account["roles"]
