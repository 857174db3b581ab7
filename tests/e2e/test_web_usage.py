"""The usage page in a real headless Chromium against the group's real processes
(tests/e2e/test_web_browser.py's fixtures): alice, fr's administrator, opens it from the
administration page, looks at the node's days and then at the whole group by community,
downloads the CSV; the page passes the accessibility check under the strict CSP.
Screenshots (desktop and 375 px)."""

from __future__ import annotations

import csv
import io

import pytest
import requests
from selenium.webdriver.support.ui import Select

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
def alice(group, browsers):  # noqa: F811
    driver = browsers("en-GB,en")
    sign_in_with_sso(driver, group["fr"].base, "alice", group["fr"].password)
    return driver


def test_the_administrator_reads_the_usage_charts_and_downloads_them(group, alice):
    fr = group["fr"]
    alice.get(fr.base + "/web/admin")
    by_css(alice, 'a[href="/web/admin/usage"]').click()
    wait_until(lambda: "/web/admin/usage" in alice.current_url, 30, message="the usage page")
    assert len(all_css(alice, "figure.usage-chart svg")) == 8  # one chart per measure, by day
    assert "Active people over 7 days" in by_css(alice, ".usage-charts").text
    assert not accessibility_problems(alice)
    screenshot(alice, "usage-node-desktop")
    screenshot(alice, "usage-node-375", PHONE)

    Select(by_css(alice, "#usage-by")).select_by_value("community")
    Select(by_css(alice, "#usage-scope")).select_by_value("group")
    by_css(alice, ".usage-filters button[type=submit]").click()
    wait_until(lambda: "by=community" in alice.current_url and "scope=group" in alice.current_url, 30,
               message="the group's communities")
    assert len(all_css(alice, "figure.usage-chart svg")) == 6  # one per measure, a bar per community
    assert by_css(alice, ".usage-table caption").text.startswith("The figures, from")
    assert not accessibility_problems(alice)
    screenshot(alice, "usage-communities-desktop")
    screenshot(alice, "usage-communities-375", PHONE)
    # Nothing was refused by the Content-Security-Policy (no inline style, no script).
    assert not [e for e in alice.get_log("browser") if "Content Security Policy" in e.get("message", "")]

    href = by_css(alice, 'a[href^="/web/admin/usage/export.csv"]').get_attribute("href")
    cookies = {c["name"]: c["value"] for c in alice.get_cookies()}
    export = requests.get(href, cookies=cookies, timeout=60)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(export.text)))
    assert header[:5] == ["scope", "by", "key", "label", "day"] and "posts" in header
