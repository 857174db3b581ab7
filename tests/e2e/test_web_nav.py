"""The header's navigation for the user with the most links — an administrator who is also
an auditor, in German (the longest words) — in a real headless Chromium
(tests/e2e/test_web_browser.py's fixtures): one line at 1280 px, the administration's links
in a "Mehr" menu that opens without JavaScript (a <details>), and at 375 px nothing wider
than the screen. Screenshots (desktop, 375 px, the menu open) are saved to look at."""

from __future__ import annotations

import pytest

from tests.e2e.browser_support import (
    DESKTOP,
    PHONE,
    accessibility_problems,
    by_css,
    screenshot,
    sign_in_with_sso,
)
from tests.e2e.test_web_browser import browsers  # noqa: F401 (a fixture)
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def admin_auditor(group, browsers):  # noqa: F811
    """alain (fr's auditor in the demo directory), signed in in German, made a node
    administrator too for this module (his account and his web session), then restored."""
    fr = group["fr"]
    driver = browsers("de-DE,de")
    sign_in_with_sso(driver, fr.base, "alain", fr.password)
    roles = fr.db.accounts.find_one({"_id": "alain"}).get("roles", [])
    fr.db.accounts.update_one({"_id": "alain"}, {"$set": {"roles": sorted({*roles, "auditor", "node_admin"})}})
    fr.db.web_app_sessions.update_many({"username": "alain"}, {"$set": {"admin": True, "auditor": True}})
    try:
        yield driver
    finally:
        fr.db.accounts.update_one({"_id": "alain"}, {"$set": {"roles": roles}})
        fr.db.web_app_sessions.update_many({"username": "alain"}, {"$set": {"admin": False}})


def header_rows(driver) -> int:
    """How many lines the header's brand, links, menu and sign-out take."""
    tops = driver.execute_script(
        "return [...document.querySelectorAll('.top .brand, .top .nav > li, .top .signout')]"
        ".map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2));")
    rows: list[int] = []
    for top in sorted(tops):
        if not rows or top - rows[-1] > 8:
            rows.append(top)
    return len(rows)


def test_the_longest_header_fits_one_line_and_its_menu_opens_without_javascript(group, admin_auditor):
    fr, driver = group["fr"], admin_auditor
    driver.set_window_size(*DESKTOP)
    driver.get(fr.base + "/web/home")
    screenshot(driver, "nav-admin-auditor-de-desktop")
    screenshot(driver, "nav-admin-auditor-de-375", PHONE)
    driver.set_window_size(*DESKTOP)
    assert header_rows(driver) == 1, "the header wraps at 1280 px"
    menu = by_css(driver, "details.nav-more")
    assert menu.get_attribute("open") is None
    assert not by_css(driver, 'details.nav-more a[href="/web/admin/audit"]').is_displayed()
    driver.execute_script("document.querySelectorAll('script').forEach(s => s.remove()); window.htmx = undefined;")
    by_css(driver, "details.nav-more summary").click()  # the browser's own <details>: no script
    assert by_css(driver, 'details.nav-more a[href="/web/admin"]').is_displayed()
    assert by_css(driver, 'details.nav-more a[href="/web/admin/audit"]').text == "Audit-Protokoll"
    assert not accessibility_problems(driver)
    screenshot(driver, "nav-admin-auditor-de-menu-desktop")
    by_css(driver, 'details.nav-more a[href="/web/admin/audit"]').click()
    wait_until(lambda: "/web/admin/audit" in driver.current_url, 30, message="the audit page from the menu")
    # on the administration's pages the menu says where one is
    assert by_css(driver, "details.nav-more summary").get_attribute("aria-current") == "page"

    driver.set_window_size(*PHONE)
    driver.get(fr.base + "/web/home")
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    by_css(driver, "details.nav-more summary").click()
    link = by_css(driver, 'details.nav-more a[href="/web/admin/audit"]')
    assert link.is_displayed() and link.rect["x"] >= 0 and link.rect["x"] + link.rect["width"] <= PHONE[0]
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    screenshot(driver, "nav-admin-auditor-de-menu-375", PHONE)
    driver.set_window_size(*DESKTOP)
