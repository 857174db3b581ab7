"""Votes in polls, as they reach the inbox: a Create of a Note naming an option, answering
a Question (fedkit/protocol/polls.py). A vote is never stored as a post, never placed in an
inbox nor shown as a reply (Mastodon's ActivityPub::Activity::Create#create_poll_vote):

- on a poll of this node, the outbox counts it (it owns the poll) and sends the new totals;
- a local user's own vote (their outbox hands it here like every local activity) is
  remembered, so the client API can show ``voted`` and ``own_votes``.
"""

from __future__ import annotations

import logging

import mongoengine as me

from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol import polls
from fedkit.protocol.vocab import id_of
from fedkit.runtime.clock import now
from fedkit.runtime.db import Document
from services.inbox.context import HandlerContext
from services.inbox.models import IGNORED, PROCESSED, ReceivedObject
from services.inbox.poll_endings import watch

log = logging.getLogger(__name__)


class CastVote(Document):
    """A local user's vote for one option of a poll (of this node or another)."""

    meta = {"collection": "cast_votes",
            "indexes": [{"fields": ["username", "question", "choice"], "unique": True}]}
    username = me.StringField(required=True)
    question = me.StringField(required=True)
    choice = me.StringField(required=True)
    created_at = me.DateTimeField(default=now)


def handle_vote(ctx: HandlerContext, obj: dict) -> str | None:
    """Apply a Create that is a vote; None when the object is no vote (a post after all)."""
    if not polls.is_vote(obj):
        return None
    question, choice, voter = id_of(obj.get("inReplyTo")), obj["name"], ctx.activity.actor_id
    if ctx.is_local(question):
        counted, refused = OutboxClient(ctx.internal).count_vote(question, voter, choice, ctx.stored_id)
        if not counted:
            if refused == "not_a_poll":
                return None  # a Note with a name answering a post: a post
            log.info("a vote on %s was not counted: %s", question, refused)
            return IGNORED
    elif not polls.is_poll(getattr(ReceivedObject.objects(object_id=question).only("raw").first(), "raw", None)):
        return None
    voter_name = ctx.local_username(voter)
    if voter_name and ctx.plan is not None:  # this node's user voted: remember it
        try:
            CastVote(username=voter_name, question=question, choice=choice).save(force_insert=True)
        except me.NotUniqueError:
            pass  # a repeated delivery changes nothing
        if (poll := ReceivedObject.objects(object_id=question).only("raw").first()) is not None:
            watch(poll.raw)  # they are told when it ends
    return PROCESSED


def own_votes(username: str, question: str) -> list[str]:
    return [v.choice for v in CastVote.objects(username=username, question=question).order_by("created_at")]
