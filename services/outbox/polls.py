"""Counting the votes on this node's polls (docs.joinmastodon.org/spec/activitypub/#Question).

A vote reaches the poll's author's node as a Create of a Note (fedkit/protocol/polls.py);
the inbox hands it here, since the outbox owns the poll (a LocalObject). A voter votes once
per option, once in all on a one-choice poll, never after the poll's end, and only for one
of its options (Mastodon's VoteValidator). The totals are counted from the stored votes, and
the author's node sends an Update of the Question with them to the poll's audience.
"""

from __future__ import annotations

from collections.abc import Callable

import mongoengine as me

from fedkit.protocol import polls
from fedkit.runtime.clock import now
from fedkit.runtime.db import Document
from services.outbox import objects
from services.outbox.models import LocalObject

# Why a vote was not counted (the inbox logs it; the voter's app was told by its own node).
NOT_A_POLL, HIDDEN, ENDED, NOT_AN_OPTION, ALREADY_VOTED, OWN_POLL = (
    "not_a_poll", "hidden", "poll_ended", "not_an_option", "already_voted", "own_poll")


class PollVote(Document):
    """One voter's choice of one option of a local poll."""

    meta = {"collection": "poll_votes",
            "indexes": [{"fields": ["question", "voter", "choice"], "unique": True}, ("question", "choice")]}
    question = me.StringField(required=True)
    voter = me.StringField(required=True)
    choice = me.StringField(required=True)  # the option's title
    activity_id = me.StringField()
    created_at = me.DateTimeField(default=now)


def count_vote(question_id: str, voter: str, choice: str, activity_id: str | None, *,
               sees: Callable[[LocalObject], bool]) -> tuple[LocalObject | None, str | None]:
    """Count one vote: (the poll with its new totals, None), or (None, why it is refused).
    ``sees``: may the voter see the poll (the visibility policy; who may not, votes not)."""
    found = LocalObject.objects(object_id=question_id, deleted=False).first()
    if found is None or not polls.is_poll(found.raw):
        return None, NOT_A_POLL
    if not sees(found):
        return None, HIDDEN
    if found.author == voter:
        return None, OWN_POLL
    if polls.expired(found.raw, now()):
        return None, ENDED
    if choice not in [title for title, _ in polls.options(found.raw)]:
        return None, NOT_AN_OPTION
    others = PollVote.objects(question=question_id, voter=voter)
    if not polls.multiple(found.raw) and others.filter(choice__ne=choice).first() is not None:
        return None, ALREADY_VOTED
    try:
        PollVote(question=question_id, voter=voter, choice=choice, activity_id=activity_id).save(force_insert=True)
    except me.NotUniqueError:
        return None, ALREADY_VOTED
    return _recount(found), None


def _recount(found: LocalObject) -> LocalObject:
    votes = PollVote.objects(question=found.object_id).only("voter", "choice")
    counts: dict[str, int] = {}
    voters = set()
    for vote in votes:
        counts[vote.choice] = counts.get(vote.choice, 0) + 1
        voters.add(vote.voter)
    found.raw = polls.with_counts(found.raw, counts, len(voters))
    objects.edit(found, found.raw)  # the poll's one copy (services/outbox/objects.py)
    return found
