"""The people directory page in a real headless Chromium against the group's real
processes: alice at fr fills the filters form (department Welding) and sees bob's card,
answered by de; the card opens bob's page. Screenshots (desktop and 375 px) are saved, and
axe-core finds nothing to report."""

from __future__ import annotations

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    all_css,
    by_css,
    screenshot,
    sign_in_with_sso,
)
from tests.e2e.test_people_directory import departments  # noqa: F401 (a fixture)
from tests.e2e.test_web_browser import browsers  # noqa: F401 (a fixture)
from tests.plugin import wait_until


def test_alice_finds_bobs_card_by_department(group, browsers, departments):  # noqa: F811
    fr, de = group["fr"], group["de"]
    alice = browsers("en-GB,en")
    sign_in_with_sso(alice, fr.base, "alice", fr.password)
    by_css(alice, 'nav a[href="/web/people"]').click()
    wait_until(lambda: all_css(alice, "form.people-filters"), 30, message="the people page")
    problems = {"people": accessibility_problems(alice)}
    by_css(alice, "#people-department").send_keys("Welding")
    by_css(alice, "form.people-filters button[type=submit]").click()
    wait_until(lambda: "department=Welding" in alice.current_url, 30, message="the filtered page")
    cards = all_css(alice, "li.people-card")
    assert len(cards) == 1 and "Bob" in cards[0].text and f"@bob@{de.host}" in cards[0].text, \
        [c.text for c in cards]
    assert "Welder" in cards[0].text and "Archipel DE" in cards[0].text
    assert not all_css(alice, ".alert.warn")  # every company answered
    problems["filtered"] = accessibility_problems(alice)
    screenshot(alice, "people-desktop")
    screenshot(alice, "people-375", PHONE)
    cards[0].find_element("css selector", "h2 a").click()
    wait_until(lambda: "/web/@bob@" in alice.current_url, 30, message="bob's page")
    assert "@bob@" in by_css(alice, "#profile-name").find_element("xpath", "..").text
    screenshot(alice, "people-opened-desktop")
    assert not any(problems.values()), problems
