"""The auditors' page picks its trail, in a real headless Chromium against the group's real
processes: alain (fr's auditor) changes the trail select to the directory's SCIM changes,
finds the change the test made through SCIM, downloads it as CSV, then looks at the
moderation actions; each page passes the accessibility check. Screenshots (desktop and
375 px)."""

from __future__ import annotations

import csv
import io
import uuid

import requests
from selenium.webdriver.support.ui import Select

from tests.e2e.browser_support import PHONE, accessibility_problems, all_css, by_css, screenshot
from tests.e2e.test_scim import USER_SCHEMA, scim
from tests.e2e.test_web_audit import alain  # noqa: F401 (a fixture: alain signed in)
from tests.e2e.test_web_browser import browsers  # noqa: F401 (a fixture)
from tests.plugin import wait_until


def test_the_auditor_picks_the_scim_trail_and_the_moderation_trail(group, alain):  # noqa: F811
    fr = group["fr"]
    name = f"scim.web{uuid.uuid4().hex[:6]}"
    assert scim(fr, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": name}).status_code == 201
    assert scim(fr, "DELETE", f"/Users/{name}").status_code == 204  # closed again

    alain.get(fr.base + "/web/admin/audit")
    Select(by_css(alain, "#audit-trail")).select_by_value("scim")
    by_css(alain, ".audit-filters button[type=submit]").click()
    wait_until(lambda: "trail=scim" in alain.current_url, 30, message="the SCIM trail's page")
    assert not all_css(alain, "#audit-method")  # the requests trail's filters are gone
    by_css(alain, "#audit-user").send_keys(name)
    by_css(alain, ".audit-filters button[type=submit]").click()
    wait_until(lambda: f"user={name}" in alain.current_url, 30, message="the filtered SCIM trail")
    rows = [r.text for r in all_css(alain, ".audit-table tbody tr")]
    assert len(rows) == 2 and "delete" in rows[0] and "create" in rows[1] and name in rows[0]
    assert Select(by_css(alain, "#audit-trail")).first_selected_option.get_attribute("value") == "scim"
    assert not accessibility_problems(alain)
    screenshot(alain, "audit-scim-desktop")
    screenshot(alain, "audit-scim-375", PHONE)

    href = by_css(alain, 'a[href^="/web/admin/audit/export.csv"]').get_attribute("href")
    cookies = {c["name"]: c["value"] for c in alain.get_cookies()}
    export = requests.get(href, cookies=cookies, timeout=30)
    assert export.status_code == 200 and "audit-scim.csv" in export.headers["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(export.text)))
    assert [(r["operation"], r["user"]) for r in table] == [("delete", name), ("create", name)]

    by_css(alain, "#audit-user").clear()
    Select(by_css(alain, "#audit-trail")).select_by_value("moderation")
    by_css(alain, ".audit-filters button[type=submit]").click()
    wait_until(lambda: "trail=moderation" in alain.current_url, 30, message="the moderation trail's page")
    assert all_css(alain, "#audit-target") and not all_css(alain, "#audit-address")
    assert not accessibility_problems(alain)
    screenshot(alain, "audit-moderation-desktop")
    screenshot(alain, "audit-moderation-375", PHONE)
