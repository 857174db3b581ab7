"""The web app's settings and administration in a real headless Chromium against the
group's real processes (tests/e2e/test_web_browser.py's fixtures): alice switches her
interface to French and her default audience to her company, the pages and the composer
follow (restored afterwards); alice, fr's administrator, releases a post the data-loss
rules held, and it appears. Screenshots (desktop and 375 px) for a person to look at."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    all_css,
    by_css,
    open_header_menu,
    screenshot,
    sign_in_with_sso,
)
from tests.e2e.test_web_browser import browsers, stream_has  # noqa: F401 (a fixture, a helper)
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def alice(group, browsers):  # noqa: F811
    """alice, fr's administrator in the demo directory, signed in at fr; her posting defaults
    are put back as they were (none chosen) afterwards."""
    driver = browsers("en-GB,en")
    sign_in_with_sso(driver, group["fr"].base, "alice", group["fr"].password)
    yield driver
    group["fr"].db.api_posting_defaults.delete_one({"_id": "alice"})


def test_alice_switches_to_french_and_her_company_and_the_composer_follows(group, alice):
    fr = group["fr"]
    alice.get(fr.base + "/web/home")
    by_css(alice, 'a[href="/web/settings/profile"]').click()
    wait_until(lambda: "/web/settings/profile" in alice.current_url, 30, message="the settings")
    assert "come from the directory" in by_css(alice, "main").text
    problems = {"profile": accessibility_problems(alice)}
    screenshot(alice, "settings-profile-desktop")
    screenshot(alice, "settings-profile-375", PHONE)
    by_css(alice, 'a[href="/web/settings/preferences"]').click()
    wait_until(lambda: all_css(alice, "#language-fr"), 30, message="the preferences")
    problems["preferences"] = accessibility_problems(alice)
    by_css(alice, "#language-fr").click()
    by_css(alice, "#audience-node").click()
    by_css(alice, ".settings-form button[type=submit]").click()
    wait_until(lambda: "notice=saved" in alice.current_url, 30, message="the saved preferences")
    assert by_css(alice, "html").get_attribute("lang") == "fr"
    assert by_css(alice, ".notice").text == "Vos préférences sont enregistrées."
    assert by_css(alice, "#language-fr").is_selected() and by_css(alice, "#audience-node").is_selected()
    screenshot(alice, "settings-preferences-fr-desktop")
    screenshot(alice, "settings-preferences-fr-375", PHONE)
    alice.get(fr.base + "/web/compose")
    assert by_css(alice, "#vis-node").is_selected()  # her default, not the group
    assert by_css(alice, 'a[href="/web/settings/profile"]').text == "Paramètres"
    # the apps see the same default (Mastodon's preferences)
    preferences = fr.api("GET", "/api/v1/preferences", "alice").json()
    assert preferences["posting:default:visibility"] == "node" and preferences["posting:default:language"] == "fr"
    # back to the browser's language and the group
    alice.get(fr.base + "/web/settings/preferences")
    by_css(alice, "#language-browser").click()
    by_css(alice, "#audience-group").click()
    by_css(alice, ".settings-form button[type=submit]").click()
    wait_until(lambda: '<html lang="en">' in alice.page_source, 30, message="English again")
    alice.get(fr.base + "/web/settings/apps")
    assert "This browser" in by_css(alice, ".grants").text
    problems["apps"] = accessibility_problems(alice)
    screenshot(alice, "settings-apps-desktop")
    screenshot(alice, "settings-apps-375", PHONE)
    assert not any(problems.values()), problems


def test_an_administrator_releases_a_held_post_and_it_appears(group, alice):
    fr = group["fr"]
    text = f"Project Osprey: the pilot line starts in May ({uuid.uuid4().hex[:8]})"
    alice.get(fr.base + "/web/compose")
    by_css(alice, "#status").send_keys(text)
    by_css(alice, "#vis-public").click()
    by_css(alice, ".compose button[type=submit]").click()
    wait_until(lambda: "Your post is held for review" in alice.page_source, 30, message="the held message")
    open_header_menu(alice)  # the administration's links: under "More"
    by_css(alice, 'a[href="/web/admin"]').click()
    wait_until(lambda: all_css(alice, 'a[href="/web/admin/held"]'), 30, message="the administration")
    problems = {"admin": accessibility_problems(alice)}
    screenshot(alice, "admin-desktop")
    by_css(alice, 'a[href="/web/admin/held"]').click()
    card = wait_until(lambda: [c for c in all_css(alice, ".held-post") if text in c.text], 30,
                      message="the held post in the list")[0]
    assert "project codenames" in card.text and "Project Osprey is confidential" in card.text
    assert "@alice" in card.text and "Public" in card.text
    problems["held"] = accessibility_problems(alice)
    screenshot(alice, "admin-held-desktop")
    screenshot(alice, "admin-held-375", PHONE)
    card.find_element("css selector", 'a[href$="/release"]').click()
    wait_until(lambda: "Release this post?" in alice.page_source, 30, message="the confirmation")
    problems["confirm"] = accessibility_problems(alice)
    screenshot(alice, "admin-release-confirm-375", PHONE)
    by_css(alice, "main form button[type=submit]").click()
    wait_until(lambda: "notice=released" in alice.current_url, 30, message="the release")
    assert not [c for c in all_css(alice, ".held-post") if text in c.text]
    wait_until(lambda: stream_has(alice, fr.base + "/web/@alice", text), 30, message="the released post")
    assert not any(problems.values()), problems


def test_only_administrators_reach_the_administration(group, browsers):  # noqa: F811
    alain = browsers("en-GB,en")  # an employee of fr, no administrator
    sign_in_with_sso(alain, group["fr"].base, "alain", group["fr"].password)
    # alain may moderate a community another test made (Administration then shows its
    # reports), but the held posts are the node administrators' alone
    assert not all_css(alain, 'a[href="/web/admin/held"]')
    alain.get(group["fr"].base + "/web/admin/held")
    assert by_css(alain, "h1").text == "Not found"


def test_a_revoked_app_is_refused_at_once(group, alice):
    """An app alice authorised (password grant, as a phone app of the tests) is listed in her
    settings; she revokes it there and the node refuses its token on the next request."""
    import requests

    fr = group["fr"]
    name = f"Phone app {uuid.uuid4().hex[:6]}"
    app = requests.post(f"{fr.base}/api/v1/apps", data={"client_name": name, "scopes": "read"}, timeout=30).json()
    token = requests.post(f"{fr.base}/oauth/token", timeout=30, data={
        "grant_type": "password", "username": "alice", "password": fr.password, "scope": "read",
        "client_id": app["client_id"], "client_secret": app["client_secret"]}).json()["access_token"]
    phone = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{fr.base}/api/v1/accounts/verify_credentials", headers=phone, timeout=30).status_code == 200
    alice.get(fr.base + "/web/settings/apps")
    grant = next(g for g in all_css(alice, ".grant") if name in g.text)
    assert "read" in grant.text and "Last used" in grant.text
    grant.find_element("css selector", "button[type=submit]").click()
    wait_until(lambda: "notice=revoked" in alice.current_url, 30, message="the revocation")
    assert name not in by_css(alice, ".grants").text
    assert requests.get(f"{fr.base}/api/v1/accounts/verify_credentials", headers=phone, timeout=30).status_code == 401
