"""Hashtag links in a post's HTML pointed at this node's tag page (services/web/tags.py), as
Mastodon's web app opens a hashtag in place: a post links its tag to its own server's
``/tags/<name>`` (docs.joinmastodon.org/spec/activitypub/#Hashtag); here it opens
``/web/tags/<name>`` where the reader may follow it. Only links to one of the post's own
hashtags change; every other link stays as it is."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, urlsplit

from fedkit.protocol.hashtags import normalized

TAG_PATH = re.compile(r"^/tags/([^/]+)$")
HREF = re.compile(r'href="([^"]*)"')


def hashtag_href(href: str, names: set[str]) -> str:
    match = TAG_PATH.match(urlsplit(href).path)
    name = normalized(match.group(1)) if match else None
    return f"/web/tags/{quote(name)}" if name and name in names else href


def with_tag_pages(safe_html: str, status: dict) -> str:
    """``safe_html`` (already sanitised) with the status' hashtag links leading to the tag page."""
    names = {n for n in (normalized(t.get("name", "")) for t in status.get("tags") or []
                         if isinstance(t, dict)) if n}
    if not names:
        return safe_html
    return HREF.sub(lambda m: f'href="{html.escape(hashtag_href(html.unescape(m.group(1)), names))}"', safe_html)


def week_uses(tag: dict) -> int:
    """A Tag entity's uses over its history (a week, one entry a day)."""
    return sum(int(h["uses"]) for h in tag.get("history") or []
               if isinstance(h, dict) and str(h.get("uses", "")).isdigit())
