"""Polls as ActivityPub carries them (fedkit/protocol/polls.py): options and counts of a
Question, what a vote looks like, and what an edit changes (new totals are no edit)."""

from __future__ import annotations

import datetime as dt

from fedkit.protocol import polls

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


def question(**extra) -> dict:
    return {"id": "https://de.example/objects/q", "type": "Question", "content": "<p>Lunch?</p>",
            **polls.question(["pizza", "sushi"], multiple_choice=False, end="2026-11-30T12:00:00Z"), **extra}


def test_options_counts_and_end():
    q = polls.with_counts(question(), {"sushi": 2}, 2)
    assert polls.is_poll(q) and not polls.multiple(q)
    assert polls.options(q) == [("pizza", 0), ("sushi", 2)] and polls.voters_count(q) == 2
    assert not polls.expired(q, NOW) and polls.expired(q, NOW + dt.timedelta(days=2))
    assert polls.expired(question(endTime=None, closed="2026-11-29T11:00:00Z"), NOW)
    # what another server may send: counts missing or hostile read as 0, no options: no poll
    odd = question(oneOf=[{"type": "Note", "name": "a"}, {"type": "Note", "name": "b", "replies": {"totalItems": -3}},
                          "junk", {"type": "Note"}])
    assert polls.options(odd) == [("a", 0), ("b", 0)]
    assert not polls.is_poll(question(oneOf=[])) and not polls.is_poll({"type": "Note", "oneOf": [{"name": "a"}]})
    assert polls.multiple(question(oneOf=None, anyOf=[{"type": "Note", "name": "a"}]))


def test_what_a_vote_looks_like():
    vote = {"type": "Note", "name": "pizza", "inReplyTo": "https://de.example/objects/q"}
    assert polls.is_vote(vote)
    assert not polls.is_vote({**vote, "content": "<p>I say pizza</p>"})  # a reply with a title
    assert not polls.is_vote({**vote, "inReplyTo": None}) and not polls.is_vote({**vote, "type": "Question"})


def test_new_totals_are_no_edit():
    q = question()
    assert polls.content_fields(polls.with_counts(q, {"pizza": 5}, 5)) == polls.content_fields(q)
    assert polls.content_fields({**q, "content": "<p>Dinner?</p>"}) != polls.content_fields(q)
    renamed = polls.question(["pizza", "ramen"], multiple_choice=False, end="2026-11-30T12:00:00Z")
    assert polls.content_fields({**q, **renamed}) != polls.content_fields(q)
