"""The web app's people directory page (/web/people) against the real node in-process:
the filters form, the cards, the note about companies that did not answer, the link to
a person's page, all through the node's API with the signed-in user's token."""

from __future__ import annotations

import pytest

from tests.unit.test_people_directory_inprocess import _person
from tests.unit.web_support import local_path, page, sign_in, web_node


@pytest.fixture
def web(node, monkeypatch):
    web = web_node(node, monkeypatch)
    _person(web, "bob", "Bob Becker", "Welding", "Archipel DE", skills=["welding", "brazing"])
    _person(web, "alice", "Alice Martin", "Finance", "Archipel FR")
    return web


def test_the_people_page_filters_and_shows_cards(web):
    browser = sign_in(web, "alice")
    home = page(browser, web, "/web/home")
    assert 'href="/web/people"' in home.text  # the nav link
    every = page(browser, web, "/web/people")
    assert every.status_code == 200, every.text
    assert "Alice Martin" in every.text and "Bob Becker" in every.text and "2 people found." in every.text
    assert 'name="department"' in every.text and '<label for="people-skill">' in every.text
    # de.test (the other member node) does not exist here: the page says so
    assert "Some companies did not answer: de." in every.text
    welding = page(browser, web, "/web/people?department=welding")
    assert "Bob Becker" in welding.text and "Alice Martin" not in welding.text
    assert "Welding lead" in welding.text and "<li>brazing</li>" in welding.text and "1 person found." in welding.text
    assert 'href="/web/people/open?acct=bob%40fr.test"' in welding.text
    nobody = page(browser, web, "/web/people?skill=juggling&q=x")
    assert "Nobody matches these filters." in nobody.text and 'href="/web/people">' in nobody.text
    french = page(browser, web, "/web/people", headers={"Accept-Language": "fr"})
    assert "Les personnes du groupe" in french.text and "2 personnes trouvées." in french.text


def test_a_card_opens_the_persons_page(web):
    browser = sign_in(web, "alice")
    opened = page(browser, web, "/web/people/open?acct=bob%40fr.test")
    assert opened.status_code == 303 and local_path(opened.headers["Location"]) == "/web/@bob", opened.text
    assert page(browser, web, "/web/@bob").status_code == 200
    bad = page(browser, web, "/web/people/open?acct=%3Cscript%3E")
    assert bad.status_code == 303 and local_path(bad.headers["Location"]) == "/web/people"
