"""The usage observatory's figures (gateway/usage_figures.py): counts, active people over
windows, and k-anonymity — a figure about 1 to 4 people is withheld, at the source and in
the group's sums."""

from __future__ import annotations

import datetime as dt

from gateway.usage_days import compact, expand, is_final
from gateway.usage_figures import WITHHELD, Fact, figures, summed

DAY = dt.date(2026, 11, 20)
COMMUNITY = "http://fr.test/communities/welding"


def _facts(kind: str, people: int, *, day=DAY, entity="Acme", community=COMMUNITY, n=1, prefix="p"):
    return [Fact(day, f"{prefix}{i}", entity, kind, community, n) for i in range(people)]


def _row(rows, key):
    return next(r for r in rows if r["key"] == key)


def test_a_community_of_five_is_counted_exactly_and_a_figure_about_four_people_is_withheld():
    facts = _facts("post", 5, n=2) + _facts("reply", 4) + _facts("reaction", 5, n=3) + _facts("join", 5)
    row = _row(figures(facts, DAY, DAY, "community", "fr"), COMMUNITY)
    assert row["total"]["posts"] == 10 and row["total"]["reactions"] == 15 and row["total"]["new_members"] == 5
    assert row["total"]["active_people"] == 5
    assert row["total"]["replies"] is None and row["withheld"] == {"replies": WITHHELD}
    assert row["total"]["unanswered_questions"] == 0  # nobody: shown
    day = row["days"][0]
    assert day["values"]["posts"] == 10 and day["values"]["replies"] is None and day["withheld"]["replies"] == WITHHELD


def test_a_community_of_four_shows_nothing_about_its_people():
    facts = _facts("post", 4, n=5) + _facts("reply", 4) + _facts("reaction", 4) + _facts("join", 4)
    row = _row(figures(facts, DAY, DAY, "community", "fr"), COMMUNITY)
    assert {k: v for k, v in row["total"].items() if v is not None} == {"unanswered_questions": 0}
    assert set(row["withheld"]) == {"active_people", "posts", "replies", "reactions", "new_members"}


def test_by_entity_an_entity_with_four_active_people_is_withheld_and_node_figures_add_everyone():
    facts = _facts("active", 6, entity="Acme", community="") + \
        _facts("active", 4, entity="Beta", community="", prefix="b") + \
        _facts("account", 2, entity="Acme", community="")
    rows = figures(facts, DAY, DAY, "entity", "fr")
    assert _row(rows, "Acme")["total"]["active_people"] == 6
    assert _row(rows, "Acme")["total"]["new_members"] is None  # two new accounts: withheld
    assert _row(rows, "Beta")["total"]["active_people"] is None
    node = _row(figures(facts, DAY, DAY, "node", "fr"), "fr")
    assert node["total"]["active_people"] == 10


def test_weekly_and_monthly_active_people_count_distinct_people_over_the_window():
    facts = []
    for back in range(10):  # one new person each day, plus p0 every day
        day = DAY - dt.timedelta(days=back)
        facts += [Fact(day, f"q{back}", "", "active"), Fact(day, "p0", "", "active")]
    values = _row(figures(facts, DAY, DAY, "node", "fr"), "fr")["days"][0]["values"]
    assert values["active_people"] is None  # 2 people that day
    assert values["active_weekly"] == 8 and values["active_monthly"] == 11


def test_the_groups_sum_is_shown_only_when_every_part_was():
    five = figures(_facts("post", 5), DAY, DAY, "community", "fr")
    three = figures(_facts("post", 3, prefix="de"), DAY, DAY, "community", "de")
    other = figures(_facts("post", 6, prefix="x"), DAY, DAY, "community", "de")
    assert summed([five, other])[0]["total"]["posts"] == 11
    both = summed([five, three])[0]
    assert both["total"]["posts"] is None and both["withheld"]["posts"] == WITHHELD
    assert both["days"][0]["values"]["posts"] is None


def test_a_stored_day_gives_back_the_same_facts_and_only_old_days_are_final():
    facts = _facts("post", 5, n=1) + _facts("post", 5, n=1) + _facts("active", 2, community="")
    back = expand(DAY, compact(facts))
    assert figures(back, DAY, DAY, "community", "fr") == figures(facts, DAY, DAY, "community", "fr")
    assert sum(f.n for f in back if f.kind == "post") == 10
    assert is_final(DAY, DAY + dt.timedelta(days=3)) and not is_final(DAY, DAY + dt.timedelta(days=2))
