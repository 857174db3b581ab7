"""Mastodon's paging: ``max_id``/``since_id``/``min_id``/``limit`` in, a ``Link`` header out
(docs.joinmastodon.org/api/guidelines/#pagination).

A page is a list newest first; each item has a cursor (an opaque string). The ``next``
link asks for older items (``max_id`` = the last cursor), ``prev`` for newer ones
(``min_id`` = the first cursor). Other query parameters are kept in both links.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, request

CURSOR_MAX_LENGTH = 64


class BadPage(ValueError):
    pass


@dataclass(frozen=True)
class Page:
    limit: int
    max_id: str | None = None
    since_id: str | None = None
    min_id: str | None = None


def page_params(default: int = 40, maximum: int = 80) -> Page:
    """The request's paging parameters; ``limit`` is clamped to 1..``maximum`` as Mastodon
    does; a cursor that is no short string is refused (``BadPage``)."""
    raw_limit = request.args.get("limit")
    try:
        limit = int(raw_limit) if raw_limit not in (None, "") else default
    except ValueError:
        raise BadPage("limit must be a number") from None
    cursors = {}
    for name in ("max_id", "since_id", "min_id"):
        value = request.args.get(name) or None
        if value is not None and (len(value) > CURSOR_MAX_LENGTH or not value.isprintable()):
            raise BadPage(f"{name} is not an id")
        cursors[name] = value
    return Page(limit=max(1, min(limit, maximum)), **cursors)


def link_header(cursors: list[str]) -> str | None:
    """The ``Link`` header for a page whose items have these cursors (newest first);
    None for an empty page (no link leads anywhere from it)."""
    if not cursors:
        return None
    base = current_app.config["ARCHIPEL"].base_url + request.path
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("max_id", "since_id", "min_id")]
    next_url = f"{base}?{urlencode(kept + [('max_id', cursors[-1])])}"
    prev_url = f"{base}?{urlencode(kept + [('min_id', cursors[0])])}"
    return f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'


def paged_response(response, cursors: list[str]):
    header = link_header(cursors)
    if header:
        response.headers["Link"] = header
    return response
