"""A real browser for the web app's tests: Debian's ``chromium`` driven by its
``chromium-driver`` through Selenium (headless), and the sign-in an employee goes
through in it: the web app → the node's sign-in page → the group's provider → back.

Screenshots go to ``var/screenshots/`` (ignored by git), or ``$ARCHIPEL_SCREENSHOTS``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.plugin import wait_until

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path(os.environ.get("ARCHIPEL_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "var" / "screenshots")
DESKTOP = (1280, 900)
PHONE = (375, 812)


def browser_available() -> bool:
    return os.path.exists(CHROMIUM) and os.path.exists(DRIVER)


def require_browser() -> None:
    """CI installs chromium (.ci/run): there a missing browser fails; elsewhere it skips."""
    if browser_available():
        return
    message = "chromium and chromium-driver are needed (apt-get install chromium chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def new_browser(language: str = "en-GB,en", size: tuple[int, int] = DESKTOP):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                f"--window-size={size[0]},{size[1]}", f"--lang={language.split(',')[0]}"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def screenshot(driver, name: str, size: tuple[int, int] | None = None) -> Path:
    """The whole page at this width (the window grown to the page's height)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = (size or DESKTOP)[0]
    driver.set_window_size(width, (size or DESKTOP)[1])
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 400)")
    driver.set_window_size(width, min(int(height) + 120, 4000))
    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(*(size or DESKTOP))
    return path


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"


def accessibility_problems(driver) -> list[str]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the current page."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    violations = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))));")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in violations
            if v["impact"] in ("serious", "critical")]


def by_css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def all_css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def sign_in_with_sso(driver, node_base: str, username: str, password: str, shots: str | None = None) -> None:
    """From the web app's welcome page, through single sign-on, to the home page
    (``shots``: a name prefix to save each page of the way)."""
    from selenium.webdriver.common.by import By

    driver.get(node_base + "/")
    by_css(driver, 'a.button.primary[href="/web/login"]').click()
    # The node's sign-in page (in the browser's language): the group's account (single sign-on)
    sso_link = 'a.button.primary[href^="/login/sso"]'
    wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, sso_link), 30, message="the node's sign-in page")
    if shots:
        screenshot(driver, f"{shots}-node-sign-in")
    driver.find_element(By.CSS_SELECTOR, sso_link).click()
    wait_until(lambda: driver.find_elements(By.ID, "username"), 30, message="the provider's sign-in form")
    if shots:
        screenshot(driver, f"{shots}-provider-sign-in")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # Back on the node: its consent page for the web app, then the web app itself
    authorize = wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, 'button[name="confirm"][value="yes"]')
                           or driver.find_elements(By.CSS_SELECTOR, "form.signout"), 30,
                           message="the consent page or the web app")
    if authorize[0].tag_name == "button":
        if shots:
            screenshot(driver, f"{shots}-consent")
        authorize[0].click()
    wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "form.signout"), 30, message="the signed-in home page")


def open_header_menu(driver) -> None:
    """Open the header's "More" menu (the administration's links, a <details>) if closed."""
    for summary in all_css(driver, "details.nav-more:not([open]) > summary"):
        summary.click()


def unused_one_time_code(group, username: str, secret: str) -> str:
    """A one-time code the group's provider will take: a code is good once — a step at or
    before the last one accepted for this person is refused (services/idp/totp.py) — so when
    another test signed them in during this step, wait for the next one."""
    from services.idp import totp

    employees = group["fr"].db.client["archipel_group"].employees
    last = (employees.find_one({"username": username}) or {}).get("mfa_last_step")
    wait_until(lambda: last is None or totp.step_at() > last, 2 * totp.STEP + 5,
               message=f"a time step after the last one-time code {username} used")
    return totp.code_at(secret)
