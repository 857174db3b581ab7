"""The web app in-process: the compact node of tests/inprocess.py, its gateway also
mounted at the node's public URL so the web app's API calls (services/web/api_client.py)
reach it, and a browser (Flask's test client with cookies) that signs in through the
node's real OAuth pages (password sign-in: the in-process node has no group provider)."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlsplit

from fedkit.runtime import inproc

PASSWORD = "in-process-password"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def mount_gateway(node) -> None:
    inproc.mount(node.base, node.gateway.application)


def allow_password_sign_in(node, monkeypatch) -> None:
    identity = node.services["identity"]
    monkeypatch.setitem(identity.config, "ARCHIPEL",
                        dataclasses.replace(identity.config["ARCHIPEL"], password_login=True))


def local_path(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(node, username: str, headers: dict | None = None):
    """A browser signed in to the web app as ``username`` (an account with a password)."""
    from services.identity.models import Account

    account = Account.objects(username=username).get()
    account.set_password(PASSWORD)
    account.save()
    browser = node.gateway.application.test_client()
    kw = {"base_url": node.base, "headers": headers or {}}
    resp = browser.get("/web/login", **kw)
    assert resp.status_code == 303, resp.text
    authorize = local_path(resp.headers["Location"])
    assert authorize.startswith("/oauth/authorize?")
    resp = browser.get(authorize, **kw)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"], resp.text
    login = local_path(resp.headers["Location"])
    page = browser.get(login, **kw)
    resp = browser.post(login, data={"username": username, "password": PASSWORD,
                                     "csrf": CSRF.search(page.text).group(1)}, **kw)
    assert resp.status_code == 302, resp.text
    # the node's own web client is not asked for consent: straight back to the web app
    resp = browser.get(local_path(resp.headers["Location"]), **kw)
    assert resp.status_code == 302 and "/web/callback?" in resp.headers["Location"], resp.text
    resp = browser.get(local_path(resp.headers["Location"]), **kw)
    assert resp.status_code == 303, resp.text
    return browser


def csrf_of(page_text: str) -> str:
    return CSRF.search(page_text).group(1)


def with_dlp_rules(node, monkeypatch, tmp_path, rules: dict) -> None:
    """The in-process outbox checks these data-loss prevention rules."""
    import json

    path = tmp_path / "dlp-rules.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    outbox = node.services["outbox"]
    monkeypatch.setitem(outbox.config, "ARCHIPEL",
                        dataclasses.replace(outbox.config["ARCHIPEL"], dlp_rules=str(path)))


def web_node(node, monkeypatch):
    """The in-process node with alice and bob, ready for the web app (the tests' ``web``)."""
    node.local_user("alice")
    node.local_user("bob")
    mount_gateway(node)
    allow_password_sign_in(node, monkeypatch)
    return node


def page(browser, node, path: str, **kw):
    return browser.get(path, base_url=node.base, **kw)


def submit(browser, node, path: str, form_page, **fields):
    return browser.post(path, base_url=node.base, data={"csrf": csrf_of(form_page.text), **fields})


def post_as(browser, node, text: str, visibility: str = "group"):
    home = page(browser, node, "/web/home")
    return submit(browser, node, "/web/compose", home, status=text, visibility=visibility, key="")


def status_ids(html: str) -> list[str]:
    return re.findall(r'<article class="status[^"]*" id="status-(\d+)"', html)
