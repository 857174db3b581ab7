"""The usage charter in the web app, in process (tests/unit/web_support.py): once a charter
is in force, every page of a signed-in user leads to it until they accept it (a CSRF form),
then back where they were going; the privacy notice gives the node's figures; a version
that changed while it was read is shown again, not accepted."""

from __future__ import annotations

import pytest

from tests.unit.charter_support import charter_writer
from tests.unit.web_support import csrf_of, page, post_as, sign_in, submit, web_node


@pytest.fixture
def web(node, monkeypatch):
    return web_node(node, monkeypatch)


@pytest.fixture
def set_charter(node, tmp_path, request):
    with charter_writer(node, tmp_path, request.node.name) as write:
        yield write


def accept_form_version(html: str) -> str:
    marker = 'name="version" value="'
    return html.split(marker, 1)[1].split('"', 1)[0]


def test_pages_lead_to_the_charter_until_it_is_accepted(web, set_charter):
    set_charter("# Our charter\n\nWrite as you would speak in a meeting.")
    alice = sign_in(web, "alice")
    home = page(alice, web, "/web/home?tab=group")
    assert home.status_code == 303 and home.headers["Location"] == "/web/charter?next=/web/home%3Ftab%3Dgroup"
    shown = page(alice, web, "/web/charter?next=/web/home%3Ftab%3Dgroup")
    assert shown.status_code == 200
    assert "<h1>Our charter</h1>" in shown.text and "Write as you would speak" in shown.text
    assert "Kept 365 days" in shown.text and "12 hours at most" in shown.text  # the privacy notice's figures
    assert "I accept the usage charter" in shown.text
    sent = submit(alice, web, "/web/compose", shown, status="not yet", visibility="group", key="")
    assert sent.status_code == 303 and sent.headers["Location"] == "/web/charter?next=/"  # a form too
    assert page(alice, web, "/web/fragments/unread").status_code == 200  # polled fragments only read

    refused = alice.post("/web/charter/accept", base_url=web.base,
                         data={"csrf": "wrong", "version": accept_form_version(shown.text)})
    assert refused.status_code == 400
    accepted = submit(alice, web, "/web/charter/accept", shown, version=accept_form_version(shown.text),
                      next="/web/home?tab=group")
    assert accepted.status_code == 303 and accepted.headers["Location"] == "/web/home?tab=group"
    assert page(alice, web, "/web/home?tab=group").status_code == 200
    assert post_as(alice, web, "after the charter").headers["Location"].startswith("/web/home")
    again = page(alice, web, "/web/charter")
    assert "You accepted this version on" in again.text and "I accept" not in again.text


def test_a_charter_changed_while_read_is_shown_again(web, set_charter):
    set_charter("Version one.")
    bob = sign_in(web, "bob")
    read = page(bob, web, "/web/charter")
    set_charter("Version two.")
    resp = submit(bob, web, "/web/charter/accept", read, version=accept_form_version(read.text), next="/")
    assert resp.status_code == 409 and "Version two." in resp.text and "changed while you were reading" in resp.text
    resp = bob.post("/web/charter/accept", base_url=web.base,
                    data={"csrf": csrf_of(resp.text), "version": accept_form_version(resp.text), "next": "/"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/"


def test_without_a_charter_pages_open_directly(web):
    alice = sign_in(web, "alice")
    assert page(alice, web, "/web/home").status_code == 200
    assert "no usage charter to accept" in page(alice, web, "/web/charter").text
