"""Moving a reported community post from the moderation queue, in a real headless Chromium
against the group's real processes: alain@fr reports amelie's post in a group-wide
community; alice (fr's administrator) opens the report, chooses "Move to another
community", picks fr's own community and explains why; the post is then in that
community. Screenshots of the confirmation (desktop and 375 px); axe finds no serious
violation on it."""

from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    by_css,
    screenshot,
    sign_in_with_sso,
)
from tests.e2e.community_support import join_and_wait, post_to, unique
from tests.e2e.test_community_move import community_posts, shown_status
from tests.e2e.test_mastodon_statuses import password_app
from tests.e2e.test_web_browser import browsers  # noqa: F401 (a fixture)
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def places(group):
    fr = group["fr"]
    source = fr.create_community("alice", name="Questions", slug=unique("wmv_src"), openness="free",
                                 visibility="group")
    target = fr.create_community("alice", name="Paris site", slug=unique("wmv_dst"), openness="free",
                                 visibility="node")
    join_and_wait(fr, fr, "amelie", source)
    yield source, target
    for slug in (source["slug"], target["slug"]):  # out of the listings other tests read
        fr.api("POST", f"/communities/{slug}/archive", "alice")


def test_a_moderator_moves_a_reported_post_from_the_queue(group, places, browsers):  # noqa: F811
    fr = group["fr"]
    source, target = places
    uri = post_to(fr, "amelie", source, "Is the Paris canteen open on Fridays?")["object"]["id"]
    alain = password_app(fr, "alain")
    status = wait_until(lambda: shown_status(alain.search_v2(uri, resolve=True)["statuses"], uri),
                        message="the post for alain")
    report = alain.report(status["account"]["id"], status_ids=[status["id"]], comment="Paris only")

    driver = browsers("en-GB,en")
    sign_in_with_sso(driver, fr.base, "alice", fr.password)
    driver.get(f"{fr.base}/web/admin/reports/{report['id']}")
    by_css(driver, f'a[href="/web/admin/reports/{report["id"]}/move"]').click()
    wait_until(lambda: driver.current_url.endswith("/move"), 30, message="the move's confirmation")
    Select(by_css(driver, "#community")).select_by_value(target["slug"])
    by_css(driver, "#text").send_keys("The Paris site community answers this")
    assert not accessibility_problems(driver)
    screenshot(driver, "mod-move-desktop")
    screenshot(driver, "mod-move-375", PHONE)
    by_css(driver, 'form[action$="/move"] button[type=submit]').click()
    wait_until(lambda: "notice=resolved" in driver.current_url, 30, message="back to the queue")
    assert uri in community_posts(fr, target["slug"], "alice") and uri not in community_posts(fr, source["slug"], "alice")
