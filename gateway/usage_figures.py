"""The usage observatory's figures, from day facts (pure: no database, no HTTP).

A *fact* (``Fact``) is one thing one person did on one day, as the rollup keeps it
(gateway/usage_days.py): the person by a pseudonym, their entity (from the directory), a
kind, the community it happened in ("" for none) and how many times.

kinds: ``active`` (a signed-in request that day), ``post``, ``reply``, ``reaction`` (a
like or a boost), ``join`` (asked to join a community), ``account`` (their account was
created that day), ``unanswered`` (a question they asked that day that nobody else
answered within 48 hours).

Figures per cell — the node, an entity, or a community (``by``) — per day and for the
whole period:
- ``active_people``: distinct people who used the API, posted, replied or reacted (in a
  community: who posted, replied, reacted or joined there); per day also ``active_weekly``
  and ``active_monthly``, the distinct people over the 7 and 30 days ending that day;
- ``posts``, ``replies``, ``reactions``, ``unanswered_questions``: counts;
- ``new_members``: accounts created (node, entity) or joins (community).

k-anonymity: a figure computed over fewer than ``K`` distinct people (but at least one) is
withheld — ``None``, and the cell's ``withheld`` names it. Each figure has its own people:
the active ones, the authors of the posts, the reactors, the joiners…, so "12 replies"
is shown only when at least 5 different people wrote them. Zero (nobody) is shown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

K = 5
WITHHELD = f"fewer than {K} people"
DIMENSIONS = ("node", "entity", "community")
COUNTED = {"posts": "post", "replies": "reply", "reactions": "reaction", "unanswered_questions": "unanswered"}
ACTIVE_KINDS = frozenset({"active", "post", "reply", "reaction"})
COMMUNITY_ACTIVE_KINDS = frozenset({"post", "reply", "reaction", "join"})
WINDOWS = {"active_weekly": 7, "active_monthly": 30}
TOTALS = ("active_people", "posts", "replies", "reactions", "new_members", "unanswered_questions")
DAILY = ("active_people", "active_weekly", "active_monthly", "posts", "replies", "reactions", "new_members",
         "unanswered_questions")
LOOKBACK = max(WINDOWS.values()) - 1  # days before the period that the per-day windows read


@dataclass(frozen=True)
class Fact:
    day: dt.date
    person: str
    entity: str
    kind: str
    community: str = ""
    n: int = 1


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def shown(value: int, people: set, k: int = K) -> int | None:
    """``value`` unless it was computed over 1 to k-1 people."""
    return None if 0 < len(people) < k else value


def _cells(facts: Iterable[Fact], by: str, node: str) -> dict[str, list[Fact]]:
    cells: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        if by == "node":
            cells[node].append(fact)
        elif by == "entity":
            cells[fact.entity].append(fact)
        elif fact.community:
            cells[fact.community].append(fact)
    return cells


def _active_kinds(by: str) -> frozenset[str]:
    return COMMUNITY_ACTIVE_KINDS if by == "community" else ACTIVE_KINDS


class _Figure:
    """Accumulates one figure: a value and the people behind it."""

    __slots__ = ("value", "people")

    def __init__(self):
        self.value, self.people = 0, set()

    def add(self, fact: Fact, count: bool = True) -> None:
        self.value += fact.n if count else 0
        self.people.add(fact.person)


def _measure(facts: Iterable[Fact], by: str) -> dict[str, _Figure]:
    """The count figures and the active people of ``facts`` (one day or a whole period)."""
    found = {name: _Figure() for name in ("active_people", "new_members", *COUNTED)}
    active_kinds = _active_kinds(by)
    joined = "join" if by == "community" else "account"
    kinds = {kind: name for name, kind in COUNTED.items()}
    for fact in facts:
        if fact.kind in active_kinds:
            found["active_people"].add(fact, count=False)
        if fact.kind in kinds:
            found[kinds[fact.kind]].add(fact)
        elif fact.kind == joined:
            found["new_members"].add(fact)
    found["active_people"].value = len(found["active_people"].people)
    return found


def _shown(figures: dict[str, _Figure], names, k: int) -> tuple[dict, dict]:
    values, withheld = {}, {}
    for name in names:
        values[name] = shown(figures[name].value, figures[name].people, k)
        if values[name] is None:
            withheld[name] = WITHHELD
    return values, withheld


def figures(facts: Iterable[Fact], start: dt.date, end: dt.date, by: str, node: str, k: int = K) -> list[dict]:
    """One row per cell: ``{"key", "total", "withheld", "days": [{"day", "values", "withheld"}]}``,
    every figure already k-anonymous. ``facts`` should reach ``LOOKBACK`` days before ``start``
    (the weekly and monthly active people)."""
    rows = []
    period = days_between(start, end)
    for key, cell in sorted(_cells(facts, by, node).items()):
        by_day: dict[dt.date, list[Fact]] = defaultdict(list)
        for fact in cell:
            by_day[fact.day].append(fact)
        inside = [f for f in cell if start <= f.day <= end]
        total, withheld = _shown(_measure(inside, by), TOTALS, k)
        days = []
        for day in period:
            figures_of_day = _measure(by_day.get(day, ()), by)
            for name, width in WINDOWS.items():
                window = _Figure()
                for back in range(width):
                    for fact in by_day.get(day - dt.timedelta(days=back), ()):
                        if fact.kind in _active_kinds(by):
                            window.people.add(fact.person)
                window.value = len(window.people)
                figures_of_day[name] = window
            values, held = _shown(figures_of_day, DAILY, k)
            days.append({"day": day.isoformat(), "values": values, "withheld": held})
        rows.append({"key": key, "total": total, "withheld": withheld, "days": days})
    return rows


def _add(parts: list[int | None]) -> int | None:
    """A sum is shown only when every part was: a withheld part (1 to 4 people on one node)
    is unknown, and the sum without it would be a wrong figure."""
    return None if any(p is None for p in parts) else sum(parts)


def summed(answers: list[list[dict]]) -> list[dict]:
    """The group's rows: each node's rows (already k-anonymous at their source) added up
    per cell and per day. People belong to one node, so adding distinct people is exact."""
    cells: dict[str, list[dict]] = defaultdict(list)
    for rows in answers:
        for row in rows:
            cells[row["key"]].append(row)
    out = []
    for key, parts in sorted(cells.items()):
        total = {name: _add([p["total"].get(name) for p in parts]) for name in TOTALS}
        day_names = sorted({d["day"] for p in parts for d in p["days"]})
        days = []
        for day in day_names:
            found = [d for p in parts for d in p["days"] if d["day"] == day]
            values = {name: _add([d["values"].get(name) for d in found]) for name in DAILY}
            if len(found) < len(parts):  # a node that did not give this day is not summed as 0
                values = {name: None for name in DAILY}
            days.append({"day": day, "values": values,
                         "withheld": {n: WITHHELD for n, v in values.items() if v is None}})
        out.append({"key": key, "total": total, "withheld": {n: WITHHELD for n, v in total.items() if v is None},
                    "days": days})
    return out
