"""The settings' "Your data" page and the archive it downloads, through the web app against
the real node in-process (tests/unit/web_support.py): the zip comes from the client API with
the user's own token (the archive's content is proven end to end in tests/e2e/test_archive.py)."""

from __future__ import annotations

import io
import json
import zipfile

from tests.unit.web_support import page, post_as, sign_in, web_node


def test_your_data_page_downloads_the_users_own_archive(node, monkeypatch):
    web = web_node(node, monkeypatch)
    alice = sign_in(web, "alice")
    post_as(alice, web, "Notes from the Lyon plant")
    settings = page(alice, web, "/web/settings/data")
    assert settings.status_code == 200
    assert 'href="/web/settings/data"' in settings.text and 'aria-current="page"' in settings.text
    assert 'href="/web/settings/data/archive"' in settings.text

    resp = page(alice, web, "/web/settings/data/archive")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="archipel-alice-')
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    assert json.loads(archive.read("actor.json"))["preferredUsername"] == "alice"
    outbox = json.loads(archive.read("outbox.json"))["orderedItems"]
    assert ["Notes from the Lyon plant" in c["object"]["content"] for c in outbox] == [True]


def test_your_data_needs_a_signed_in_user(node, monkeypatch):
    web = web_node(node, monkeypatch)
    browser = web.gateway.application.test_client()
    resp = page(browser, web, "/web/settings/data/archive")
    assert resp.status_code in (302, 303) and "/login" in resp.headers["Location"]
