"""Hashtags in a client's text and in AS2 tags (fedkit/protocol/hashtags.py), and account
addresses for WebFinger (fedkit/protocol/webfinger.py)."""

from __future__ import annotations

import pytest

from fedkit.protocol.hashtags import link_hashtags, names_in_text, names_of, normalized, tag_object
from fedkit.protocol.webfinger import _self_link, parse_acct


@pytest.mark.parametrize(("text", "expected"), [
    ("Our #Welding line #lean #welding", ["Welding", "lean"]),  # once each, as first written
    ("#café and #日本語 ok", ["café", "日本語"]),
    ("not a tag: #1 #2024 https://x.example/page#anchor a#b &#39;", []),
    ("#year2024 (#ok) end.#dot x)#no", ["year2024", "ok", "dot"]),
])
def test_hashtags_in_text(text, expected):
    assert names_in_text(text) == expected


def test_hashtag_names_of_an_object_and_the_tag_a_post_carries():
    obj = {"tag": [{"type": "Hashtag", "name": "#Lean"}, {"type": "Mention", "name": "@a"},
                   {"type": "Hashtag", "name": "lean"}, {"type": "Hashtag", "name": 3}, "junk"]}
    assert names_of(obj) == ["lean"]
    assert names_of({"tag": {"type": "Hashtag", "name": "#Solo"}}) == ["solo"]
    assert tag_object("Welding", "https://fr.example") == {
        "type": "Hashtag", "href": "https://fr.example/tags/welding", "name": "#Welding"}
    assert (normalized("#Foo"), normalized("12"), normalized(""), normalized("a b"), normalized("x" * 101)) == \
        ("foo", None, None, None, None)


@pytest.mark.parametrize(("text", "expected"), [
    ("bob@de.example", ("bob", "de.example")),
    ("@bob@DE.example", ("bob", "de.example")),
    ("bob@127.0.0.1:8002", ("bob", "127.0.0.1:8002")),
    ("bob", None), ("bob@", None), ("@bob@host/path", None), ("bob@host@other", None),
    ("https://de.example/users/bob", None),
])
def test_account_addresses(text, expected):
    assert parse_acct(text) == expected


def test_the_actor_is_the_self_link_of_an_activitypub_type():
    jrd = {"links": [{"rel": "http://webfinger.net/rel/profile-page", "href": "https://x.example/@bob"},
                     {"rel": "self", "type": "text/html", "href": "https://x.example/bob.html"},
                     {"rel": "self", "type": "application/activity+json", "href": "https://x.example/users/bob"}]}
    assert _self_link(jrd) == "https://x.example/users/bob"
    assert _self_link({"links": [{"rel": "self", "type": "application/activity+json", "href": "ftp://x"}]}) is None
    assert _self_link({}) is None


def test_hashtags_are_linked_in_html_as_mastodon_links_them():
    from fedkit.protocol.sanitize import sanitize_html, text_to_html

    html = link_hashtags(text_to_html("Go #Lean, it's #1 & <b>#x</b>"), "https://fr.example")
    assert html == ('<p>Go <a href="https://fr.example/tags/lean" class="mention hashtag" rel="tag">'
                    '#<span>Lean</span></a>, it&#x27;s #1 &amp; &lt;b&gt;'
                    '<a href="https://fr.example/tags/x" class="mention hashtag" rel="tag">#<span>x</span></a>'
                    '&lt;/b&gt;</p>')
    assert 'class="mention hashtag"' in sanitize_html(html)  # kept by the sanitizer
