"""The group's trending tags and a tag's daily history, from the posts this node holds.

Only posts the whole group may see count (``broadcast``: addressed to the public or to the
group, not unlisted) — never a followers-only, direct, node-only or community post, so a
hidden community's tags cannot surface. Tags rank by the distinct accounts that used them in
the last ``DAYS`` days, then by uses (Mastodon ranks trends by accounts, so one account
repeating a tag cannot push it up); history entries are Mastodon's, one per day, newest first:
``{"day": <midnight UTC, Unix seconds>, "uses", "accounts"}``, all strings
(docs.joinmastodon.org/entities/Tag/#history).

The functions here are pure: the caller brings the posts (object, arrival time) already
limited to what the requester may see (services/inbox/tags_api.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from fedkit.protocol.hashtags import names_of
from fedkit.protocol.vocab import PUBLIC_ALIASES, as_list, audience_of, id_of, is_unlisted

DAYS = 7  # Mastodon's Tag history covers a week
Post = tuple[dict, dt.datetime]  # a stored object and when this node first saw it


@dataclass(frozen=True)
class Trend:
    name: str
    accounts: int
    uses: int


def broadcast(obj: dict, group_audience: str) -> bool:
    """Is this post addressed to the public or to the whole group (and not unlisted)?"""
    addressees = set(audience_of(obj))
    return bool(addressees & (PUBLIC_ALIASES | {group_audience})) and not is_unlisted(obj)


def _author(obj: dict) -> str | None:
    return next((i for i in (id_of(a) for a in as_list(obj.get("attributedTo"))) if i), None)


def _midnight(when: dt.datetime) -> dt.datetime:
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def window_start(now: dt.datetime, days: int = DAYS) -> dt.datetime:
    """The first moment counted: midnight UTC ``days - 1`` days before today."""
    return _midnight(now) - dt.timedelta(days=days - 1)


def _counted(posts: Iterable[Post], group_audience: str, now: dt.datetime, days: int):
    """(name, author, day) of every tag use in the window, on a post the group may see."""
    start = window_start(now, days)
    for obj, when in posts:
        author = _author(obj)
        if not author or when is None or _midnight(when) < start or not broadcast(obj, group_audience):
            continue
        for name in names_of(obj):
            yield name, author, _midnight(when)


def ranked(posts: Iterable[Post], group_audience: str, now: dt.datetime, days: int = DAYS) -> list[Trend]:
    """The tags used in the window, most distinct accounts first, then most uses, then by name."""
    accounts: dict[str, set[str]] = {}
    uses: dict[str, int] = {}
    for name, author, _day in _counted(posts, group_audience, now, days):
        accounts.setdefault(name, set()).add(author)
        uses[name] = uses.get(name, 0) + 1
    trends = [Trend(name, len(accounts[name]), uses[name]) for name in accounts]
    return sorted(trends, key=lambda t: (-t.accounts, -t.uses, t.name))


def history(posts: Iterable[Post], group_audience: str, name: str, now: dt.datetime,
            days: int = DAYS) -> list[dict]:
    """Mastodon's history of one tag (normalized ``name``): one entry per day, newest first."""
    per_day: dict[dt.datetime, tuple[int, set[str]]] = {}
    for used, author, day in _counted(posts, group_audience, now, days):
        if used == name:
            count, authors = per_day.get(day, (0, set()))
            per_day[day] = (count + 1, authors | {author})
    today = _midnight(now)
    entries = []
    for back in range(days):
        day = today - dt.timedelta(days=back)
        count, authors = per_day.get(day, (0, set()))
        entries.append({"day": str(int(day.timestamp())), "uses": str(count), "accounts": str(len(authors))})
    return entries
