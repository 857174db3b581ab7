"""The auditors' page in a real headless Chromium against the group's real processes
(tests/e2e/test_web_browser.py's fixtures): alain, fr's auditor in the demo directory,
follows the header's "Audit trail" link, filters alice's requests, pages, and downloads
the CSV; the page passes the accessibility check. Screenshots (desktop and 375 px)."""

from __future__ import annotations

import csv
import io

import pytest
import requests

from tests.e2e.browser_support import (
    PHONE,
    accessibility_problems,
    all_css,
    by_css,
    open_header_menu,
    screenshot,
    sign_in_with_sso,
)
from tests.e2e.test_web_browser import browsers  # noqa: F401 (a fixture)
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def alain(group, browsers):  # noqa: F811
    driver = browsers("en-GB,en")
    sign_in_with_sso(driver, group["fr"].base, "alain", group["fr"].password)
    return driver


def test_the_auditor_filters_the_trail_and_downloads_it(group, alain):
    fr = group["fr"]
    assert fr.api("GET", "/api/v1/accounts/verify_credentials", "alice").status_code == 200
    alain.get(fr.base + "/web/home")
    open_header_menu(alain)  # the administration's links: under "More"
    by_css(alain, 'a[href="/web/admin/audit"]').click()
    wait_until(lambda: "/web/admin/audit" in alain.current_url, 30, message="the audit page")
    by_css(alain, "#audit-user").send_keys("alice")
    by_css(alain, "#audit-path").send_keys("/api/v1/accounts/verify_credentials")

    by_css(alain, ".audit-filters button[type=submit]").click()
    wait_until(lambda: "user=alice" in alain.current_url, 30, message="the filtered page")
    filtered = alain.current_url

    def rows():  # the gateway writes its records within a fraction of a second
        alain.get(filtered)
        return [r for r in all_css(alain, ".audit-table tbody tr") if "verify_credentials" in r.text]

    found = wait_until(rows, 30, message="alice's request in the table")
    assert "alice" in found[0].text and "200" in found[0].text
    assert not accessibility_problems(alain)
    screenshot(alain, "audit-desktop")
    screenshot(alain, "audit-375", PHONE)
    # The download link carries the filters; fetched with the browser's session cookie.
    href = by_css(alain, 'a[href^="/web/admin/audit/export.csv"]').get_attribute("href")
    cookies = {c["name"]: c["value"] for c in alain.get_cookies()}
    export = requests.get(href, cookies=cookies, timeout=30)
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(export.text)))
    assert table and {r["user"] for r in table} == {"alice"}
