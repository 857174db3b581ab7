"""Reports and moderation in a real headless Chromium against the group's real processes
(issues 10 and 12): berta@de reports alice@fr's post from its page with a comment (the
report goes to fr, inside the group); a moderator of fr (alain, given the role for this
module) finds it under Administration → Reports, removes the post with a warning; berta's
notifications page says her report was handled, alice's that she was warned and why.
Screenshots of the report form, the queue and a report's page (desktop and 375 px); axe
finds no serious violation on them."""

from __future__ import annotations

import pytest

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    all_css,
    by_css,
    open_header_menu,
    screenshot,
    sign_in_with_sso,
    unused_one_time_code,
)
from tests.e2e.test_web_browser import browsers, posted, stream_has  # noqa: F401 (fixtures)
from tests.plugin import wait_until

REASON = "Advertising breaks the group's charter (§3)"


@pytest.fixture(scope="module")
def moderator(group, browsers):  # noqa: F811
    """alain@fr is a moderator for this module, signed in. Roles come from the group
    provider's ``roles`` claim at each sign-in (services/identity/oidc.py), so the role is
    given there; both the provider's and fr's records are restored afterwards."""
    fr = group["fr"]
    employees, accounts = fr.db.client["archipel_group"].employees, fr.db.accounts
    before = employees.find_one({"username": "alain"})["roles"]
    account = accounts.find_one({"_id": "alain"})
    employees.update_one({"username": "alain"}, {"$set": {"roles": ["moderator", *before]}})
    driver = browsers("en-GB,en")
    try:
        sign_in_with_sso(driver, fr.base, "alain", fr.password)
        yield driver
    finally:
        employees.update_one({"username": "alain"}, {"$set": {"roles": before}})
        accounts.update_one({"_id": "alain"}, {"$set": {"roles": account["roles"] if account else before}})


@pytest.fixture(scope="module")
def berta(group, browsers):  # noqa: F811
    """berta signs in at de; the group's provider asks her one-time code (she is enrolled in
    a second factor: the secret the demo seeding prints)."""
    secret = next(line for line in group.idp.one_time_codes if line.startswith("berta ")).rsplit(" ", 1)[1]
    driver = browsers("en-GB,en")
    driver.get(group["de"].base + "/")
    by_css(driver, 'a.button.primary[href="/web/login"]').click()
    wait_until(lambda: all_css(driver, 'a.button.primary[href^="/login/sso"]'), 30, message="de's sign-in page")
    by_css(driver, 'a.button.primary[href^="/login/sso"]').click()
    wait_until(lambda: all_css(driver, "#otp"), 30, message="the provider's sign-in form")
    by_css(driver, "#username").send_keys("berta")
    by_css(driver, "#password").send_keys(group["de"].password)
    by_css(driver, "#otp").send_keys(unused_one_time_code(group, "berta", secret))
    by_css(driver, "button[type=submit]").click()
    wait_until(lambda: all_css(driver, "form.signout"), 30, message="berta's home page at de")
    return driver


def _text(driver) -> str:
    """The page's main text ("" while the browser is between two pages)."""
    from selenium.common.exceptions import WebDriverException

    try:
        return by_css(driver, "main").text
    # the next page is not there yet: no such element, a stale one, or (Chromium) "node with
    # given id does not belong to the document" — each a WebDriverException
    except WebDriverException:
        return ""


def _replaced(element) -> bool:
    """Is ``element`` gone (its page replaced by the next)?"""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    return False


def test_a_reported_post_is_removed_by_a_moderator_and_both_people_are_told(group, posted, berta, moderator):  # noqa: F811
    alice, text = posted
    fr, de = group["fr"], group["de"]
    comment = f"Spam in the group stream: {text[-9:-1]}"
    # berta, at de, opens alice's post from the group stream and reports it
    wait_until(lambda: stream_has(berta, de.base + "/web/home?tab=group", text), 60,
               message="alice's post in berta's group stream")
    card = next(c for c in all_css(berta, "article.status") if text in c.text)
    berta.get(card.find_element("css selector", "a.when").get_attribute("href"))
    by_css(berta, 'a[href^="/web/report/"]').click()
    wait_until(lambda: all_css(berta, "form textarea#comment"), 30, message="the report form")
    forward = by_css(berta, "#forward")
    assert forward.is_selected() and not forward.is_enabled()  # inside the group: always sent to fr
    assert "always goes to its moderators" in _text(berta)
    by_css(berta, "#category-spam").click()
    by_css(berta, "#comment").send_keys(comment)
    screenshot(berta, "report-form-desktop")
    screenshot(berta, "report-form-375", PHONE)
    assert not accessibility_problems(berta)
    by_css(berta, "form button[type=submit].primary").click()
    wait_until(lambda: "Thank you for your report" in _text(berta), 30, message="the thank-you page")
    assert "will look at it" in _text(berta) and "notification" in _text(berta)
    screenshot(berta, "report-sent-375", PHONE)

    # alain, a moderator of fr, sees it in the queue (the Flag arrives from de)
    moderator.get(fr.base + "/web/home")
    open_header_menu(moderator)  # the administration's links: under "More"
    by_css(moderator, 'nav a[href="/web/admin"]').click()
    by_css(moderator, 'a[href="/web/admin/reports"]').click()

    def in_queue():
        moderator.get(fr.base + "/web/admin/reports")
        return [c for c in all_css(moderator, "li.held-post") if comment in c.text]

    [item] = wait_until(in_queue, 60, message="berta's report in fr's queue")
    assert "Forwarded by the node" in item.text and "@alice" in item.text and text in item.text
    assert "berta" not in item.text  # de does not send the reporter's name
    screenshot(moderator, "reports-queue-desktop")
    screenshot(moderator, "reports-queue-375", PHONE)
    assert not accessibility_problems(moderator)
    item.find_element("css selector", "a.button.primary").click()
    wait_until(lambda: all_css(moderator, ".report-actions"), 30, message="the report's page")
    by_css(moderator, "form[action$='/assign'] button").click()
    wait_until(lambda: "You took this report." in _text(moderator), 30, message="assigned")
    screenshot(moderator, "report-page-desktop")
    screenshot(moderator, "report-page-375", PHONE)
    assert not accessibility_problems(moderator)
    by_css(moderator, "a[href$='/delete_statuses']").click()
    wait_until(lambda: all_css(moderator, "textarea#text"), 30, message="the confirmation page")
    by_css(moderator, "#text").send_keys(REASON)
    screenshot(moderator, "report-confirm-375", PHONE)
    assert not accessibility_problems(moderator)
    by_css(moderator, "form button[type=submit].primary").click()
    wait_until(lambda: "The report is resolved" in _text(moderator), 30, message="resolved")

    # alice is warned with the reason; berta is told at de that her report was handled
    def notified(driver, url: str, words: str) -> bool:
        driver.get(url)
        return words in _text(driver)

    wait_until(lambda: notified(alice, fr.base + "/web/notifications", REASON), 60, message="alice's warning")
    assert f"A warning from the moderators of {fr.node.spec.name}" in _text(alice)
    assert "they removed your reported posts" in _text(alice)
    wait_until(lambda: notified(berta, de.base + "/web/notifications", "Your report about @alice"), 90,
               message="berta told at de")
    assert "the moderators took action" in _text(berta)
    screenshot(berta, "report-handled-notification-375", PHONE)
    assert not accessibility_problems(berta)
    wait_until(lambda: not stream_has(berta, de.base + "/web/home?tab=group", text), 60,
               message="the post gone at de")


def test_berta_declares_her_skills_on_her_profile_settings(group, berta):
    """The profile settings' skills (PATCH /api/archipel/profile) beside the directory's
    parts, read only; restored afterwards."""
    de = group["de"]
    berta.get(de.base + "/web/settings/profile")
    skills = by_css(berta, "#declared-skills")
    before = skills.get_attribute("value")
    skills.clear()
    skills.send_keys("Welding, brazing\nQuality audits")
    by_css(berta, "form[action='/web/settings/profile/skills'] button[type=submit]").click()
    wait_until(lambda: "Your skills and interests are saved." in _text(berta), 30, message="saved")
    assert by_css(berta, "#declared-skills").get_attribute("value") == "Welding\nbrazing\nQuality audits"
    assert "Job title" in _text(berta) and "ask your HR department" in _text(berta)
    screenshot(berta, "settings-skills-desktop")
    screenshot(berta, "settings-skills-375", PHONE)
    assert not accessibility_problems(berta)
    skills = by_css(berta, "#declared-skills")
    skills.clear()
    if before:
        skills.send_keys(before)
    by_css(berta, "form[action='/web/settings/profile/skills'] button[type=submit]").click()
    wait_until(lambda: _replaced(skills), 30, message="the saved page")
    wait_until(lambda: "Your skills and interests are saved." in _text(berta), 30, message="restored")
    assert by_css(berta, "#declared-skills").get_attribute("value") == "\n".join(
        v.strip() for v in before.replace(",", "\n").splitlines() if v.strip())
