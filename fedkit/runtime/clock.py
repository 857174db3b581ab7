"""The node's clock: one ``now()`` (timezone-aware UTC) and the one way a time is written
in an AS2 document (``published``, ``updated``: xsd:dateTime in UTC, to the second, as
Mastodon writes it).
"""

from __future__ import annotations

import datetime as dt

ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime) -> dt.datetime:
    """A datetime read from MongoDB (naive, in UTC) made timezone-aware; an aware one as is."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def iso(value: dt.datetime | None) -> str | None:
    """``value`` as an AS2 date-time in UTC (None stays None); a naive value is taken as
    UTC (MongoDB returns naive UTC datetimes)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime(ISO_FORMAT)


def now_iso() -> str:
    return now().strftime(ISO_FORMAT)


def parse_iso(value) -> dt.datetime | None:
    """An AS2 date-time (``xsd:dateTime``, any offset; none is taken as UTC) as an aware
    datetime; None when it is missing or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return aware(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return None
