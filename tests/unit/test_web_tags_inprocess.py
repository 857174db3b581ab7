"""The web app's tag pages against the real node in-process (services/web/tags.py): a
post's hashtag opens the tag page, its follow button follows the tag (a colleague's new
group post with it then reaches home), and the group tab shows what trends."""

from __future__ import annotations

import pytest

from tests.unit.web_support import page, post_as, sign_in, status_ids, submit, web_node


@pytest.fixture
def web(node, monkeypatch):
    return web_node(node, monkeypatch)


def test_a_hashtag_opens_its_page_where_the_tag_is_followed(web):
    alice, bob = sign_in(web, "alice"), sign_in(web, "bob")
    post_as(bob, web, "Who knows about #Welding here?", "group")
    web.run()
    group = page(alice, web, "/web/home?tab=group")
    assert 'href="/web/tags/welding"' in group.text  # the hashtag link, and the trending box's
    assert "Trending in the group" in group.text and "1 post this week" in group.text
    tag_page = page(alice, web, "/web/tags/Welding")
    assert tag_page.status_code == 200 and "<h1" in tag_page.text and "#welding" in tag_page.text
    assert len(status_ids(tag_page.text)) == 1 and "Who knows about" in tag_page.text
    followed = submit(alice, web, "/web/tags/welding/follow", tag_page)
    assert followed.status_code == 303 and followed.headers["Location"] == "/web/tags/welding"
    again = page(alice, web, "/web/tags/welding")
    assert 'action="/web/tags/welding/unfollow"' in again.text

    post_as(bob, web, "More #welding news", "group")  # bob, whom alice does not follow
    web.run()
    home = page(alice, web, "/web/home")
    assert "More <a" in home.text and "Who knows about" not in home.text  # new posts only

    unfollowed = submit(alice, web, "/web/tags/welding/unfollow", again)
    assert unfollowed.status_code == 303
    assert 'action="/web/tags/welding/follow"' in page(alice, web, "/web/tags/welding").text


def test_links_where_posts_point_their_hashtags_lead_to_the_page(web):
    alice = sign_in(web, "alice")
    resp = web.gateway.get("/tags/Welding", base_url=web.base)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/web/tags/welding")
    assert page(alice, web, "/web/tags/1234").status_code == 404
    tag_page = page(alice, web, "/web/tags/welding")
    assert submit(alice, web, "/web/tags/welding/follow", tag_page, csrf="forged").status_code == 400


def test_only_a_posts_own_hashtag_links_change():
    from services.web.hashtag_links import with_tag_pages

    html = ('<p><a href="https://de.example/tags/Welding" class="mention hashtag" rel="tag">#<span>Welding</span></a>'
            ' <a href="https://de.example/tags/other">x</a> <a href="https://de.example/about">y</a></p>')
    shown = with_tag_pages(html, {"tags": [{"name": "welding"}]})
    assert 'href="/web/tags/welding"' in shown
    assert 'href="https://de.example/tags/other"' in shown and 'href="https://de.example/about"' in shown
