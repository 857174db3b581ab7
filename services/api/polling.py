"""Polls in the client API (docs.joinmastodon.org/entities/Poll/): a new status's poll
parameters make its Note a Question (fedkit/protocol/polls.py), and a Question shows as a
Poll entity with the requester's own votes. No routes here (polls.py has them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from flask import g

from fedkit.protocol import polls
from fedkit.protocol.vocab import QUESTION, id_of
from fedkit.runtime.clock import ISO_FORMAT, now
from services.api import upstream
from services.api.params import flag
from services.api.params import params as request_params

# The limits of a poll (Mastodon's defaults), announced in /api/v1 and /api/v2/instance.
POLLS = {"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300,
         "max_expiration": 2_629_746}


def _expires_in(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 12:
        return int(value.strip())
    return None


def attach(note: dict, params: dict) -> dict | str:
    """The note with the poll its parameters describe, as a Question (none: the note as
    is), or the error to answer (Mastodon's PollValidator's limits, as /api/v2/instance
    announces them)."""
    poll = params.get("poll")
    if not isinstance(poll, dict):  # a form names it poll[options][], poll[expires_in]…
        poll = request_params().get("poll")
    if not isinstance(poll, dict) or not poll:
        return note
    titles = poll.get("options")
    titles = [titles] if isinstance(titles, str) else titles
    if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
        return "Validation failed: Poll options must be a list of texts"
    titles = [t.strip() for t in titles]
    if len(titles) < 2:
        return "Validation failed: Poll must have at least 2 options"
    if len(titles) > POLLS["max_options"]:
        return f"Validation failed: Poll can't contain more than {POLLS['max_options']} items"
    if any(not t or len(t) > POLLS["max_characters_per_option"] for t in titles):
        return (f"Validation failed: Poll options can't be blank or longer than "
                f"{POLLS['max_characters_per_option']} characters")
    if len(set(titles)) != len(titles):
        return "Validation failed: Poll contains duplicate items"
    expires_in = _expires_in(poll.get("expires_in"))
    if expires_in is None or not POLLS["min_expiration"] <= expires_in <= POLLS["max_expiration"]:
        return (f"Validation failed: Poll expires_in must be between {POLLS['min_expiration']} and "
                f"{POLLS['max_expiration']} seconds")
    end = (now() + dt.timedelta(seconds=expires_in)).strftime(ISO_FORMAT)
    return {**note, "type": QUESTION, **polls.question(titles, multiple_choice=flag(poll.get("multiple")), end=end)}


def _iso_ms(when: dt.datetime | None) -> str | None:
    return None if when is None else when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def poll_entity(obj: dict, poll_id: str, own: list[str] | None = None) -> dict:
    """The Poll entity of a Question; ``own``: the titles the requester voted for (None: the
    requester's votes are read from the inbox)."""
    options = polls.options(obj)
    if own is None:
        user = getattr(g, "requester", None) and g.requester.user
        own = upstream.own_votes(id_of(obj)) if user else []
    titles = [t for t, _ in options]
    voters = polls.voters_count(obj)
    multiple = polls.multiple(obj)
    return {
        "id": poll_id,
        "expires_at": _iso_ms(polls.end_time(obj)),
        "expired": polls.expired(obj, now()),
        "multiple": multiple,
        "votes_count": sum(n for _, n in options),
        # Mastodon gives voters_count for multiple-choice polls only (null otherwise).
        "voters_count": (voters if voters is not None else 0) if multiple else None,
        "voted": bool(own),
        "own_votes": [titles.index(t) for t in own if t in titles],
        "options": [{"title": t, "votes_count": n} for t, n in options],
        "emojis": [],
    }


def polls_shown(status_entity: Callable[[dict], dict | None]) -> Callable[[dict], dict | None]:
    """Wraps the Status entity of an object: a Question's carries its ``poll`` (the status
    id stands for the poll's id); a vote is no status at all (None)."""

    @wraps(status_entity)
    def shown(obj: dict) -> dict | None:
        if polls.is_vote(obj):
            return None
        entity = status_entity(obj)
        if entity is not None and polls.is_poll(obj):
            entity["poll"] = poll_entity(obj, entity["id"])
        return entity

    return shown


def as_voted(poll: dict, choices: list[int]) -> dict:
    """The Poll entity as it is once the votes just sent are counted (the poll's node
    counts them asynchronously)."""
    options = [dict(o) for o in poll["options"]]
    for index in choices:
        options[index]["votes_count"] += 1
    voters = poll["voters_count"] + 1 if poll["voters_count"] is not None else None
    return {**poll, "options": options, "votes_count": poll["votes_count"] + len(choices), "voters_count": voters,
            "voted": True, "own_votes": sorted(choices)}
