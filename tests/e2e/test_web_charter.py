"""The usage charter in the web app, in a real headless Chromium against the group's real
processes (issue 12): with a new charter version in force, alain signs in through the
group's single sign-on and meets the charter (its text, the privacy notice) instead of his
home page; he cannot reach the composer until he accepts; once he clicks "I accept" he
posts. Screenshots (desktop and 375 px) are saved for a person to look at."""

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
from tests.e2e.charter_support import group_charter  # noqa: F401 (a fixture)
from tests.e2e.test_web_browser import browsers  # noqa: F401 (a fixture)
from tests.plugin import wait_until

CHARTER = """# Usage charter of the group

1. Write as you would speak in a meeting: **courteous**, factual, signed with your name.
2. Nothing confidential outside the communities made for it.
3. Moderators may remove a post that breaks this charter.

Questions: your community manager. (version {tag})
"""


def test_the_charter_shows_after_sign_in_and_accepting_it_lets_the_user_post(
        group, browsers, group_charter):  # noqa: F811
    fr = group["fr"]
    tag = uuid.uuid4().hex[:8]
    group_charter(CHARTER.format(tag=tag))
    alain = browsers("en-GB,en")
    sign_in_with_sso(alain, fr.base, "alain", fr.password)
    wait_until(lambda: "/web/charter" in alain.current_url, 30, message="the charter after sign-in")
    assert by_css(alain, "main h1").text == "Usage charter"
    text = by_css(alain, ".charter-text").text
    assert "Usage charter of the group" in text and f"(version {tag})" in text
    assert by_css(alain, ".charter-text strong").text == "courteous"  # the Markdown, rendered
    privacy = by_css(alain, ".privacy").text
    assert "Kept 365 days" in privacy and "12 hours at most" in privacy
    assert not accessibility_problems(alain)
    screenshot(alain, "charter-desktop")
    screenshot(alain, "charter-375", PHONE)

    alain.get(fr.base + "/web/compose")  # no writing before accepting
    wait_until(lambda: "/web/charter?next=/web/compose" in alain.current_url, 30,
               message="the composer to lead to the charter")
    by_css(alain, "form.accept button[type=submit]").click()
    wait_until(lambda: "/web/compose" in alain.current_url and all_css(alain, "#status"), 30,
               message="the composer once the charter is accepted")
    post = f"I read the charter and agree ({tag})"
    by_css(alain, "#status").send_keys(post)
    by_css(alain, ".compose button[type=submit]").click()
    wait_until(lambda: "tab=group" in alain.current_url, 30, message="the group tab after posting")
    wait_until(lambda: any(post in card.text for card in all_css(alain, "article.status"))
               or alain.refresh(), 30, message="alain's post in the stream")
    screenshot(alain, "charter-accepted-posted-desktop")

    accepted = fr.db["charter_acceptances"].find_one({"username": "alain"}, sort=[("accepted_at", -1)])
    assert accepted is not None and accepted["client_address"] == "127.0.0.1"
