"""The web app's expert finder (/web/people/experts) against the real node in-process: the
search form, the ranked cards with their evidence in words ("Declared skill", the profile
part, "Wrote" linking to the post), the tabs beside the directory, in three languages —
all through the node's API with the signed-in user's token."""

from __future__ import annotations

import pytest

from tests.unit.test_people_directory_inprocess import _person
from tests.unit.web_support import page, post_as, sign_in, status_ids, web_node


@pytest.fixture
def web(node, monkeypatch):
    web = web_node(node, monkeypatch)
    _person(web, "bob", "Bob Becker", "Fabrication", "Archipel DE", skills=["welding", "brazing"])
    _person(web, "alice", "Alice Martin", "Welding", "Archipel FR")
    return web


def test_the_experts_page_ranks_people_with_their_evidence(web):
    browser = sign_in(web, "alice")
    directory = page(browser, web, "/web/people")
    assert 'href="/web/people/experts"' in directory.text  # the tab beside the directory
    empty = page(browser, web, "/web/people/experts")
    assert empty.status_code == 200, empty.text
    assert '<label for="experts-q">' in empty.text and "people know about this" not in empty.text
    post_as(browser, web, "Fixtures for welding thin sheets", visibility="public")
    web.run()
    found = page(browser, web, "/web/people/experts?q=welding")
    assert found.status_code == 200, found.text
    text = found.text
    assert text.index("Bob Becker") < text.index("Alice Martin")  # a declared skill first
    assert "Declared skill:</span>\n        welding" in text
    assert "Department:</span>\n        Welding" in text
    (post_id,) = status_ids(page(browser, web, "/web/home?tab=local").text)[:1]
    assert f'<a href="/web/statuses/{post_id}">Fixtures for welding thin sheets</a>' in text
    assert "2 people know about this." in text and 'aria-current="page">Experts' in text
    nobody = page(browser, web, "/web/people/experts?q=juggling")
    assert "Nobody found." in nobody.text
    for lang, words in (("fr", "Compétence déclarée"), ("de", "Angegebene Fähigkeit")):
        translated = page(browser, web, "/web/people/experts?q=welding", headers={"Accept-Language": lang})
        assert words in translated.text, lang


def test_the_page_needs_a_signed_in_user(web):
    anonymous = web.gateway.get("/web/people/experts?q=welding", base_url=web.base)
    assert anonymous.status_code == 303 and "/web/login" in anonymous.headers["Location"]
