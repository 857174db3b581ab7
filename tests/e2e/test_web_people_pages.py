"""A person's pages in a real headless Chromium against the group's real processes
(tests/e2e/test_web_browser.py's fixtures): alain locks his account, alice asks to follow
him ("Request to follow", then "Requested"), alain finds the request from his
notifications and accepts it, alice now follows him; alice's profile shows what the
directory says of her. Everything changed is put back. Screenshots (desktop and 375 px)
and the axe-core check on each page."""

from __future__ import annotations

import pytest

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    all_css,
    by_css,
    screenshot,
    sign_in_with_sso,
)
from tests.e2e.test_web_browser import browsers  # noqa: F401 (a fixture)
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def locked_alain(group):
    """alain's account locked (through the API, as his settings would), unlocked afterwards
    and alice's follow of him undone."""
    fr = group["fr"]
    resp = fr.api("PATCH", "/api/v1/accounts/update_credentials", "alain", data={"locked": "true"})
    assert resp.status_code == 200 and resp.json()["locked"] is True, resp.text
    yield fr
    alain_id = fr.api("GET", "/api/v1/accounts/lookup", "alice", params={"acct": "alain"}).json()["id"]
    fr.api("POST", f"/api/v1/accounts/{alain_id}/unfollow", "alice")
    fr.api("PATCH", "/api/v1/accounts/update_credentials", "alain", data={"locked": "false"})


@pytest.fixture(scope="module")
def alice(group, browsers):  # noqa: F811
    driver = browsers("en-GB,en")
    sign_in_with_sso(driver, group["fr"].base, "alice", group["fr"].password)
    return driver


def test_a_follow_request_to_a_locked_account_is_accepted_from_the_notifications(group, locked_alain, alice,
                                                                                    browsers):  # noqa: F811
    fr = locked_alain
    problems = {}
    alice.get(fr.base + "/web/@alain")
    assert "This account is locked" in by_css(alice, ".profile").text
    by_css(alice, ".profile form button[type=submit]").click()

    def requested():  # the inbox records the Follow a moment after the answer
        alice.get(fr.base + "/web/@alain")
        return by_css(alice, ".profile form button[type=submit]").text == "Requested"

    wait_until(requested, 60, message="the Requested state")
    problems["profile-requested"] = accessibility_problems(alice)
    screenshot(alice, "people-requested-desktop")
    screenshot(alice, "people-requested-375", PHONE)

    alain = browsers("en-GB,en")
    sign_in_with_sso(alain, fr.base, "alain", fr.password)

    def request_link():
        alain.get(fr.base + "/web/notifications")
        return all_css(alain, '.people-requests-link a[href="/web/follow-requests"]')

    link = wait_until(request_link, 60, message="the follow request in alain's notifications")[0]
    assert link.text == "1 person asks to follow you"
    problems["notifications"] = accessibility_problems(alain)
    link.click()
    wait_until(lambda: all_css(alain, ".people-request"), 30, message="the follow requests page")
    [item] = all_css(alain, ".people-request")
    assert "alice" in item.text
    problems["follow-requests"] = accessibility_problems(alain)
    screenshot(alain, "people-follow-requests-desktop")
    screenshot(alain, "people-follow-requests-375", PHONE)
    item.find_element("css selector", 'form[action$="/authorize"] button').click()
    wait_until(lambda: "done=accepted" in alain.current_url, 30, message="the answer's notice")
    assert by_css(alain, ".notice").text == "Request accepted."
    screenshot(alain, "people-follow-request-accepted-desktop")

    def following():
        alice.get(fr.base + "/web/@alain")
        return by_css(alice, ".profile form button[type=submit]").text == "Unfollow"

    wait_until(following, 60, message="alice following alain")
    assert problems == {name: [] for name in problems}, problems


@pytest.fixture
def alice_declares(group):
    """alice declares skills and languages through the API (as her settings would), put
    back as they were afterwards."""
    fr = group["fr"]
    before = fr.api("GET", "/api/archipel/profile", "alice").json()["declared"]
    resp = fr.api("PATCH", "/api/archipel/profile", "alice",
                  json={"skills": ["welding", "lean management"], "languages": ["French", "German"]})
    assert resp.status_code == 200, resp.text
    yield fr
    fr.api("PATCH", "/api/archipel/profile", "alice",
           json={"skills": before.get("skills", []), "languages": before.get("languages", [])})


def test_a_profile_shows_the_declared_tags_and_what_the_directory_says(alice_declares, alice):
    fr = alice_declares
    alice.get(fr.base + "/web/@alice")
    tags = {h.text: [li.text for li in h.find_elements("xpath", "following-sibling::ul/li")]
            for h in all_css(alice, ".people-tags h2")}
    assert tags == {"Skills": ["welding", "lean management"], "Languages": ["French", "German"]}
    # whatever the demo directory gives (the provider's claims) shows as facts, before the tags
    print("directory facts:", [dt.text for dt in all_css(alice, ".people-facts dt")])
    assert accessibility_problems(alice) == []
    screenshot(alice, "people-profile-desktop")
    screenshot(alice, "people-profile-375", PHONE)
