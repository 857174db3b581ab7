"""A community's managers' pages in a real headless Chromium against the group's real
processes: alice, who owns a community at fr, invites a colleague of de by their address
and a partner until a chosen day, sees both invitations (the partner's with its last day),
makes a member a moderator, bans then unbans someone, and archives the community after
its confirmation step. Screenshots (desktop and 375 px) are saved for a person to look at;
every tab passes axe-core. The community is the test's own; the roles, bans and
invitations it changes are put back."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    all_css,
    by_css,
    screenshot,
    sign_in_with_sso,
)
from tests.e2e.community_support import join_and_wait, membership_state, unique
from tests.e2e.test_web_browser import browsers  # noqa: F401  (the module's browsers, quit at its end)
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def space(group):
    """alice's closed community that admits partners; alain and amelie (fr) are members."""
    fr = group["fr"]
    community = fr.create_community("alice", name="Torque tests", slug=unique("torque"), openness="closed",
                                    visibility="group", admits_partners=True, tags=["quality"],
                                    description="Torque test results of the plants, and what we do about them")
    for name in ("alain", "amelie"):
        resp = fr.api("POST", f"/communities/{community['slug']}/members", "alice",
                      json={"action": "invite", "actor": fr.actor(name)})
        assert resp.status_code == 200, resp.text
        join_and_wait(fr, fr, name, community)
    return community


@pytest.fixture(scope="module")
def alice(group, browsers):  # noqa: F811
    driver = browsers("en-GB,en")
    sign_in_with_sso(driver, group["fr"].base, "alice", group["fr"].password)
    return driver


def accessible(driver) -> None:
    problems = accessibility_problems(driver)
    assert not problems, problems


def row_of(driver, selector: str, text: str):
    return next(r for r in all_css(driver, selector) if text in r.text)


def test_the_owner_invites_a_colleague_and_a_partner_until_a_chosen_day(group, space, alice):
    fr = group["fr"]
    manage = f"{fr.base}/web/communities/{space['slug']}/manage"
    alice.get(manage)
    assert by_css(alice, "h1").text == "Torque tests"
    assert by_css(alice, "#description").get_attribute("value").startswith("Torque test results")
    accessible(alice)
    screenshot(alice, "manage-settings-desktop")
    by_css(alice, '.manage-tabs a[href$="/invitations"]').click()
    colleague = f"berta@{group['de'].host}"
    by_css(alice, "#address").send_keys(colleague)
    by_css(alice, ".manage-form button[type=submit]").click()
    assert "The invitation is sent." in wait_until(lambda: all_css(alice, ".notice"), 30)[0].text
    day = dt.date.today() + dt.timedelta(days=30)
    by_css(alice, "#address").send_keys(f"pierre@{group['partner'].host}")
    # the date field: set as a browser sets it when a day is picked (its value is ISO 8601)
    alice.execute_script("arguments[0].value = arguments[1]", by_css(alice, "#expires_on"), day.isoformat())
    by_css(alice, ".manage-form button[type=submit]").click()
    wait_until(lambda: "done=invite" in alice.current_url, 30, message="the partner's invitation")
    assert "Partner" not in row_of(alice, ".invited-row", "@berta@").text
    partner_row = row_of(alice, ".invited-row", "@pierre@")
    assert f"access until {day.strftime('%B')} {day.day}, {day.year}" in partner_row.text
    assert "Partner" in partner_row.text
    accessible(alice)
    screenshot(alice, "manage-invitations-desktop")
    screenshot(alice, "manage-invitations-375", PHONE)
    # put back: both invitations withdrawn
    for who, actor in (("@berta@", group["de"].actor("berta")), ("@pierre@", group["partner"].actor("pierre"))):
        row_of(alice, ".invited-row", who).find_element("css selector", 'button[value="revoke"]').click()
        wait_until(lambda actor=actor: membership_state(fr, space["slug"], actor) is None, 30,
                   message=f"the withdrawal of {who}")
    wait_until(lambda: "No invitation is waiting for an answer." in alice.page_source, 30, message="no invitation")


def test_the_owner_changes_a_role_and_bans_then_unbans_a_member(group, space, alice):
    fr = group["fr"]
    alice.get(f"{fr.base}/web/communities/{space['slug']}/manage/members")
    row = row_of(alice, ".manage-row", "@alain")
    from selenium.webdriver.support.ui import Select

    Select(row.find_element("css selector", "select")).select_by_value("moderator")
    row.find_element("css selector", 'input[value="role"] ~ button').click()
    wait_until(lambda: "done=role" in alice.current_url, 30, message="the new role")
    assert row_of(alice, ".manage-row", "@alain").find_element("css selector", ".tag").text == "moderator"
    assert fr.db.memberships.find_one({"community": space["slug"], "actor": fr.actor("alain")})["role"] == "moderator"
    row_of(alice, ".manage-row", "@amelie").find_element("css selector", 'button[value="ban"]').click()
    wait_until(lambda: "done=ban" in alice.current_url, 30, message="the ban")
    assert "@amelie" in by_css(alice, ".banned-row").text
    assert membership_state(fr, space["slug"], fr.actor("amelie")) == "banned"
    accessible(alice)
    screenshot(alice, "manage-members-desktop")
    screenshot(alice, "manage-members-375", PHONE)
    by_css(alice, '.banned-row button[value="unban"]').click()
    wait_until(lambda: "done=unban" in alice.current_url, 30, message="the ban lifted")
    assert "No one is banned." in alice.page_source
    # put back: alain a member again, amelie back in (invited, she joins)
    row = row_of(alice, ".manage-row", "@alain")
    Select(row.find_element("css selector", "select")).select_by_value("member")
    row.find_element("css selector", 'input[value="role"] ~ button').click()
    wait_until(lambda: "done=role" in alice.current_url, 30, message="alain's role back")
    fr.api("POST", f"/communities/{space['slug']}/members", "alice",
           json={"action": "invite", "actor": fr.actor("amelie")})
    join_and_wait(fr, fr, "amelie", space)


def test_archiving_says_what_it_does_and_asks_first(group, space, alice):
    fr = group["fr"]
    alice.get(f"{fr.base}/web/communities/{space['slug']}/manage/ownership")
    accessible(alice)
    by_css(alice, 'a[href$="/manage/archive"]').click()
    wait_until(lambda: all_css(alice, "form.confirm"), 30, message="the confirmation step")
    assert "No one can post or reply in it any more." in by_css(alice, "form.confirm").text
    accessible(alice)
    screenshot(alice, "manage-archive-confirm-desktop")
    screenshot(alice, "manage-archive-confirm-375", PHONE)
    assert not fr.db.communities.find_one({"_id": space["slug"]})["archived"]
    by_css(alice, "form.confirm button[type=submit]").click()
    wait_until(lambda: "done=archived" in alice.current_url, 30, message="the archive")
    assert fr.db.communities.find_one({"_id": space["slug"]})["archived"]
