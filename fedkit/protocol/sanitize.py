"""HTML sanitising of post content, local and incoming alike (nh3 / ammonia)."""

from __future__ import annotations

import html

import nh3

# What Mastodon keeps in post HTML: paragraphs, breaks, links, basic emphasis, lists, code.
ALLOWED_TAGS = {
    "p", "br", "a", "span", "strong", "b", "em", "i", "u", "del", "s", "code", "pre",
    "blockquote", "ul", "ol", "li",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "class", "translate"},
    "span": {"class", "translate"},
    "ol": {"start", "reversed"},
    "li": {"value"},
}


def sanitize_html(content: str | None) -> str:
    if not content:
        return ""
    return nh3.clean(
        content,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


# A document an operator wrote (the usage charter): a post's tags plus headings and rules.
DOCUMENT_TAGS = ALLOWED_TAGS | {"h1", "h2", "h3", "h4", "hr"}


def sanitize_document_html(content: str | None) -> str:
    if not content:
        return ""
    return nh3.clean(content, tags=DOCUMENT_TAGS, attributes={"a": {"href"}, "ol": {"start"}},
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener noreferrer")


def text_to_html(text: str) -> str:
    """Plain text from a client becomes escaped paragraphs."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
