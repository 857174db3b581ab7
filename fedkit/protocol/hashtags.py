"""Hashtags: found in a post's text, carried as AS2 ``Hashtag`` tags, compared by name.

A tag's name is compared case-insensitively and without its ``#`` (Mastodon's
``Tag.normalize``; docs.joinmastodon.org/entities/Tag/). In text, ``#name`` counts as a
hashtag when it is not inside a word or a URL and its name has a letter (``#1`` is not one),
as Mastodon's ``Tag::HASHTAG_RE`` reads it.
"""

from __future__ import annotations

import re

from fedkit.protocol.vocab import HASHTAG, as_list, type_of

MAX_NAME = 100
IN_TEXT = re.compile(r"(?<![=/)\w&])#(\w*[^\W\d_]\w*)")
NAME = re.compile(r"^\w*[^\W\d_]\w*$")


def normalized(name: str) -> str | None:
    """The name as tags are compared (lower case, no ``#``); None for no valid name."""
    name = name.strip().lstrip("#").lower() if isinstance(name, str) else ""
    return name if name and len(name) <= MAX_NAME and NAME.match(name) else None


def names_in_text(text: str) -> list[str]:
    """The hashtags a client's plain text names, as written, in order, once each
    (compared without case)."""
    found: dict[str, str] = {}
    for match in IN_TEXT.finditer(text or ""):
        key = normalized(match.group(1))
        if key:
            found.setdefault(key, match.group(1))
    return list(found.values())


def names_of(obj: dict) -> list[str]:
    """The normalized names of an AS2 object's ``Hashtag`` tags, once each."""
    names = [normalized(t.get("name", "")) for t in as_list(obj.get("tag"))
             if isinstance(t, dict) and type_of(t) == HASHTAG]
    return list(dict.fromkeys(n for n in names if n))


def tag_object(name: str, base_url: str) -> dict:
    """The AS2 ``Hashtag`` a post carries for ``#name`` (href: this node's tag page, as
    Mastodon links its tags)."""
    return {"type": HASHTAG, "href": f"{base_url}/tags/{name.lower()}", "name": f"#{name}"}


def link_hashtags(html_text: str, base_url: str) -> str:
    """A post's HTML (from a client's plain text, escaped) with each hashtag linked to this
    node's tag page, as Mastodon writes it (``class="mention hashtag" rel="tag"``), so that
    apps make it tappable."""

    def link(match: re.Match) -> str:
        name = match.group(1)
        if normalized(name) is None:
            return match.group(0)
        return (f'<a href="{base_url}/tags/{name.lower()}" class="mention hashtag" rel="tag">'
                f"#<span>{name}</span></a>")

    return IN_TEXT.sub(link, html_text)


def with_hashtags(tags, text: str, base_url: str) -> list:
    """An edited post's ``tag``: its other tags (mentions) kept, its hashtags those of the
    new text."""
    kept = [t for t in as_list(tags) if not (isinstance(t, dict) and type_of(t) == HASHTAG)]
    return kept + [tag_object(name, base_url) for name in names_in_text(text)]
