"""Polls as ActivityPub carries them (docs.joinmastodon.org/spec/activitypub/#Question).

A poll is a ``Question`` whose options are ``oneOf`` (one choice) or ``anyOf`` (several),
each a ``Note`` with a ``name`` and ``replies: {type: Collection, totalItems}`` (its
votes), with ``endTime`` (or ``closed`` once over) and Mastodon's ``votersCount``. A vote
is a ``Create`` of a ``Note`` whose ``name`` is an option's title, ``inReplyTo`` the
Question, addressed to the poll's author only, without content; the author's server counts
it and sends an ``Update`` of the Question with the new totals. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt

from fedkit.protocol.vocab import NOTE, QUESTION, id_of, type_of
from fedkit.runtime.clock import parse_iso

ONE_OF, ANY_OF = "oneOf", "anyOf"


def is_poll(obj) -> bool:
    return isinstance(obj, dict) and type_of(obj) == QUESTION and bool(options(obj))


def multiple(question: dict) -> bool:
    return not isinstance(question.get(ONE_OF), list) and isinstance(question.get(ANY_OF), list)


def _option_list(question: dict) -> list:
    value = question.get(ANY_OF if multiple(question) else ONE_OF)
    return value if isinstance(value, list) else []


def options(question: dict) -> list[tuple[str, int]]:
    """(title, votes) of each option, in order; a count a server did not give is 0."""
    out = []
    for option in _option_list(question):
        if isinstance(option, dict) and isinstance(option.get("name"), str):
            replies = option.get("replies")
            total = replies.get("totalItems") if isinstance(replies, dict) else 0
            out.append((option["name"], total if isinstance(total, int) and total >= 0 else 0))
    return out


def voters_count(question: dict) -> int | None:
    value = question.get("votersCount")
    return value if isinstance(value, int) and value >= 0 else None


def end_time(question: dict) -> dt.datetime | None:
    """When the poll closes (``endTime``, else the date a ``closed`` poll closed)."""
    return parse_iso(question.get("endTime")) or parse_iso(question.get("closed"))


def expired(question: dict, now: dt.datetime) -> bool:
    end = end_time(question)
    return question.get("closed") not in (None, False) or (end is not None and end <= now)


def question(options_titles: list[str], *, multiple_choice: bool, end: str) -> dict:
    """The poll fields of a new Question (no votes yet)."""
    return {ANY_OF if multiple_choice else ONE_OF: [
        {"type": NOTE, "name": title, "replies": {"type": "Collection", "totalItems": 0}} for title in options_titles],
        "endTime": end, "votersCount": 0}


def with_counts(question_doc: dict, counts: dict[str, int], voters: int) -> dict:
    """The Question with each option's ``totalItems`` and ``votersCount`` set anew."""
    key = ANY_OF if multiple(question_doc) else ONE_OF
    updated = dict(question_doc)
    updated[key] = [
        {**option, "replies": {"type": "Collection", "totalItems": counts.get(option.get("name"), 0)}}
        if isinstance(option, dict) else option for option in _option_list(question_doc)]
    updated["votersCount"] = voters
    return updated


def is_vote(obj) -> bool:
    """Does this object look like a vote: a Note with a ``name``, answering something,
    without content (Mastodon's ActivityPub::Activity::Create#poll_vote?, before it checks
    that what it answers is a poll)?"""
    return (isinstance(obj, dict) and type_of(obj) == NOTE and isinstance(obj.get("name"), str)
            and bool(id_of(obj.get("inReplyTo"))) and not obj.get("content"))


def content_fields(obj: dict) -> tuple:
    """What an edit changes (an Update that changes none of it is a new count of votes)."""
    return (obj.get("content"), obj.get("contentMap"), obj.get("summary"), obj.get("name"),
            bool(obj.get("sensitive")), obj.get("attachment"), obj.get("tag"), [t for t, _ in options(obj)])
