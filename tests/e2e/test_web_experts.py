"""The expert finder's page in a real headless Chromium against the group's real processes:
alice at fr opens the Experts tab beside the people directory, asks who knows about
welding, and sees bob of de first with his declared skill and the post he wrote, which
opens. Screenshots (desktop and 375 px) are saved, and axe-core finds nothing to report."""

from __future__ import annotations

import uuid

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    all_css,
    by_css,
    screenshot,
    sign_in_with_sso,
)
from tests.e2e.test_expert_finder import bob_welds  # noqa: F401 (a fixture)
from tests.e2e.test_web_browser import browsers  # noqa: F401 (a fixture)
from tests.plugin import wait_until


def test_alice_finds_bob_and_the_evidence(group, browsers, bob_welds):  # noqa: F811
    fr, de = group["fr"], group["de"]
    word = "kw" + uuid.uuid4().hex[:6]
    text = f"Welding {word}: pre-heat thick plates before the root pass"
    posted = de.api("POST", "/api/v1/statuses", "bob", data={"status": text, "visibility": "group"})
    assert posted.status_code == 200, posted.text
    try:
        wait_until(lambda: fr.api("GET", "/api/v2/search", "alice", params={"q": word, "type": "statuses"})
                   .json()["statuses"], message="bob's group post searchable on fr")
        alice = browsers("en-GB,en")
        sign_in_with_sso(alice, fr.base, "alice", fr.password)
        by_css(alice, 'nav a[href="/web/people"]').click()
        wait_until(lambda: all_css(alice, "nav.experts-tabs"), 30, message="the people page")
        by_css(alice, 'nav.experts-tabs a[href="/web/people/experts"]').click()
        wait_until(lambda: all_css(alice, "form.experts-search"), 30, message="the experts page")
        problems = {"empty": accessibility_problems(alice)}
        by_css(alice, "#experts-q").send_keys(f"welding {word}")
        by_css(alice, "form.experts-search button[type=submit]").click()
        wait_until(lambda: all_css(alice, "li.experts-card"), 30, message="the ranked cards")
        first = all_css(alice, "li.experts-card")[0]
        assert f"@bob@{de.host}" in first.text, first.text
        assert "Declared skill: welding" in first.text and f"Wrote: {text}" in first.text, first.text
        problems["found"] = accessibility_problems(alice)
        screenshot(alice, "experts-desktop")
        screenshot(alice, "experts-375", PHONE)
        first.find_element("css selector", "li.experts-post a").click()
        wait_until(lambda: "/web/statuses/" in alice.current_url, 30, message="the post's page")
        assert word in by_css(alice, "main").text
        assert not any(problems.values()), problems
    finally:
        de.api("DELETE", f"/api/v1/statuses/{posted.json()['id']}", "bob")
