"""A poll's end (docs.joinmastodon.org/entities/Notification/#type ``poll``): when its
``endTime`` passes, its local author and every local user who voted in it get a ``poll``
notification, as Mastodon's PollExpirationNotifyWorker does.

A poll is watched (a ``PollEnding``) when a local user posts it (the Create handler) or votes
in one (services/inbox/votes.py). The inbox worker's sweep finds those due by their
(state, ends_at) index, notifies, then moves each to ended with the lease engine's
compare-and-set: it survives restarts, and two workers never move it twice (the unique
notification index makes a repeated write a no-op).
"""

from __future__ import annotations

import mongoengine as me

from fedkit.protocol import polls
from fedkit.protocol.local_ids import local_username
from fedkit.runtime.clock import now
from services.inbox.context import next_seq
from services.inbox.models import POLL_ENDED, POLL_ENDING, POLL_RUNNING, Notification

POLL = "poll"


def watch(question: dict) -> None:
    """Watch a poll (its full or routing form, with ``endTime``) until it ends; once."""
    end, author = polls.end_time(question), question.get("attributedTo")
    if end is not None and isinstance(author, str) and isinstance(question.get("id"), str):
        POLL_ENDING.create(POLL_RUNNING, question=question["id"], author=author, ends_at=end)


def tell_ended(base_url: str, limit: int = 200) -> int:
    """Notify the local author and local voters of each poll that ended; how many polls."""
    from services.inbox.votes import CastVote  # here: votes.py imports this module

    told = 0
    for ending in POLL_ENDING.due_by("ends_at", now(), states=[POLL_RUNNING], limit=limit):
        usernames = set(CastVote.objects(question=ending.question).distinct("username"))
        if author := local_username(ending.author, base_url):
            usernames.add(author)
        for username in usernames:
            try:
                Notification(username=username, type=POLL, actor=ending.author, activity_id=ending.question,
                             object_id=ending.question, seq=next_seq()).save(force_insert=True)
            except me.NotUniqueError:
                pass  # another worker told them first
        told += POLL_ENDING.move(ending, POLL_ENDED)
    return told
