"""The daily rollup of the usage observatory: ``usage_days``, one small document per day
(UTC) with that day's facts (gateway/usage_figures.py), people by pseudonym only.

A day is *final* three days after it ends: by then every question asked that day is 48
hours old, so whether it was answered is known. Final days are stored once and then read
from here (so the figures outlive the audit trail's retention); the days after them,
today included, are computed on demand from the sources and never stored. Storing a day
replaces its document: running the rollup twice changes nothing.

    python -m gateway.usage_days [--days 35]   # store the final days not stored yet (a daily job)
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter

import mongoengine as me

from fedkit.runtime import clock
from fedkit.runtime.config import Config, load_config
from fedkit.runtime.db import Document, connect_db
from fedkit.runtime.internal import InternalClient
from gateway.usage_figures import Fact
from gateway.usage_sources import gather

FINAL_AFTER = dt.timedelta(days=3)


class UsageDay(Document):
    meta = {"collection": "usage_days"}
    day = me.StringField(primary_key=True)  # YYYY-MM-DD, UTC
    facts = me.ListField(me.ListField())  # [pseudonym, entity, kind, community, n]
    computed_at = me.DateTimeField()


def today() -> dt.date:
    return clock.now().date()


def is_final(day: dt.date, now: dt.date | None = None) -> bool:
    return day <= (now or today()) - FINAL_AFTER


def compact(facts: list[Fact]) -> list[list]:
    """The same facts with repeats counted once (one entry per person, kind and community)."""
    counts = Counter((f.person, f.entity, f.kind, f.community) for f in facts for _ in range(f.n))
    return [[*key, n] for key, n in sorted(counts.items())]


def expand(day: dt.date, stored: list[list]) -> list[Fact]:
    return [Fact(day, person, entity, kind, community, int(n)) for person, entity, kind, community, n in stored]


def store(day: dt.date, facts: list[Fact]) -> None:
    UsageDay.objects(day=day.isoformat()).update_one(
        upsert=True, set__facts=compact(facts), set__computed_at=clock.now())


def facts_for(first: dt.date, last: dt.date, config: Config, internal: InternalClient) -> list[Fact]:
    """The facts of ``first`` to ``last``: stored days as stored, the others gathered (and
    the final ones among them stored)."""
    stored = {doc.day: doc.facts for doc in UsageDay.objects(day__gte=first.isoformat(), day__lte=last.isoformat())}
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    missing = [day for day in days if day.isoformat() not in stored]
    found: list[Fact] = []
    for day in days:
        if day.isoformat() in stored:
            found += expand(day, stored[day.isoformat()])
    if missing:
        gathered = gather(missing[0], missing[-1], config, internal)
        for day in missing:
            facts = gathered.get(day, [])
            if is_final(day):
                store(day, facts)
            found += facts
    return found


def rollup(config: Config, internal: InternalClient, days: int = 35) -> list[str]:
    """Store the final days of the last ``days`` that are not stored yet; returns them."""
    last = today() - FINAL_AFTER
    first = last - dt.timedelta(days=days - 1)
    have = {doc.day for doc in UsageDay.objects(day__gte=first.isoformat(), day__lte=last.isoformat()).only("day")}
    todo = [first + dt.timedelta(days=i) for i in range(days) if (first + dt.timedelta(days=i)).isoformat() not in have]
    if not todo:
        return []
    gathered = gather(todo[0], todo[-1], config, internal)
    for day in todo:
        store(day, gathered.get(day, []))
    return [day.isoformat() for day in todo]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Store the usage observatory's final days.")
    parser.add_argument("--days", type=int, default=35)
    args = parser.parse_args(argv)
    config = load_config()
    connect_db(config)
    stored = rollup(config, InternalClient(config), args.days)
    print(f"usage days stored: {len(stored)}")


if __name__ == "__main__":
    main()
