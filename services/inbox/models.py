"""Inbox-owned collections: what the node received and what each local user has."""

from __future__ import annotations

import mongoengine as me

from fedkit.runtime import leases
from fedkit.runtime.clock import now
from fedkit.runtime.db import Document, JSONDictField

# An inbound activity (processing.py): received, then applied by its handler (processed),
# of no concern here (ignored), or given up after its attempts (failed).
RECEIVED, PROCESSED, IGNORED, FAILED = "received", "processed", "ignored", "failed"
INBOUND_TRANSITIONS = {RECEIVED: {PROCESSED, IGNORED, FAILED}, PROCESSED: set(), IGNORED: set(), FAILED: set()}

# A follow relation: pending until the followee accepts (a Reject or an Undo deletes it).
# Its writes are idempotent upserts keyed by (follower, followee), not engine moves.
FOLLOW_PENDING, FOLLOW_ACCEPTED = "pending", "accepted"


class InboundActivity(Document):
    """One accepted activity, stored raw before any processing (dedupe by id)."""

    meta = {"collection": "inbound_activities", "indexes": [("state", "received_at"), ("state", "lease_until")]}
    activity_id = me.StringField(primary_key=True)
    raw = JSONDictField(required=True)
    activity_type = me.StringField()
    signer = me.StringField()
    local = me.BooleanField(default=False)  # produced by this node's outbox
    # Local actors it was bto/bcc'd to: kept out of ``raw`` so no recipient sees the list
    # (for a local activity: every local actor its plan names).
    also_to = me.ListField(me.StringField())
    # A local activity's audience plan (fedkit.rules.audience.AudiencePlan), as its outbox decided it.
    plan = JSONDictField(default=None)
    state = me.StringField(default=RECEIVED, choices=tuple(INBOUND_TRANSITIONS))
    error = me.StringField()
    attempts = me.IntField(default=0)
    # The lease engine's fields (fedkit/runtime/leases.py): stored together with its queue message,
    # so it is "queued" for one lease; then held by a worker, or due again.
    lease_until = me.DateTimeField(default=leases.nudged_until)
    holder = me.StringField(default=leases.QUEUED)
    received_at = me.DateTimeField(default=now)
    processed_at = me.DateTimeField()


INBOUND = leases.Machine("inbound activity", InboundActivity, INBOUND_TRANSITIONS)


class FollowRelation(Document):
    """follower → followee, for every relation that involves a local actor."""

    meta = {
        "collection": "follows",
        "indexes": [
            {"fields": ["follower", "followee"], "unique": True},
            ("followee", "state"),
            ("follower", "state"),
        ],
    }
    follower = me.StringField(required=True)
    followee = me.StringField(required=True)
    follow_activity_id = me.StringField()
    state = me.StringField(default=FOLLOW_PENDING, choices=(FOLLOW_PENDING, FOLLOW_ACCEPTED))
    # The follower asked to be told of the followee's new posts (Mastodon's ``notify``):
    # set through services/inbox/subscriptions.py, read by the Create handler.
    notify = me.BooleanField(default=False)
    created_at = me.DateTimeField(default=now)


class UndoneFollow(Document):
    """A Follow its author undid. Deliveries and the worker may apply a Follow after its
    Undo (a retried delivery, or this node's own copy applied late): the Follow handler
    ignores a Follow recorded here, so an undone follow never comes back. Kept a week
    (TTL index), far past any retry schedule."""

    meta = {"collection": "undone_follows",
            "indexes": [{"fields": ["undone_at"], "expireAfterSeconds": 7 * 86400}]}
    follow_activity_id = me.StringField(primary_key=True)
    follower = me.StringField(required=True)
    undone_at = me.DateTimeField(default=now)


# A poll some local user cares about (its author is local, or one voted in it), until its
# end is told (services/inbox/poll_endings.py): running, then ended once notified.
POLL_RUNNING, POLL_ENDED = "running", "ended"
POLL_TRANSITIONS = {leases.ABSENT: {POLL_RUNNING}, POLL_RUNNING: {POLL_ENDED}, POLL_ENDED: set()}


class PollEnding(Document):
    """When a poll ends, for the ``poll`` notification of its local author and voters."""

    meta = {"collection": "poll_endings", "indexes": [("state", "ends_at")]}
    question = me.StringField(primary_key=True)
    author = me.StringField(required=True)
    ends_at = me.DateTimeField(required=True)
    state = me.StringField(default=POLL_RUNNING, choices=(POLL_RUNNING, POLL_ENDED))


POLL_ENDING = leases.Machine("poll ending", PollEnding, POLL_TRANSITIONS, due_field="ends_at", attempts_field=None)


class ReceivedObject(Document):
    """The latest known state of an object (Note…) seen in an activity; Tombstone once deleted."""

    meta = {"collection": "received_objects",
            "indexes": ["attributed_to", "in_reply_to", ("tags", "-seen_at"), "-seen_at"]}  # trends: the last days
    object_id = me.StringField(primary_key=True)
    raw = JSONDictField(required=True)
    attributed_to = me.StringField()
    in_reply_to = me.StringField()  # the id of the object it answers (a thread's context)
    tags = me.ListField(me.StringField())  # its Hashtag names, normalized (fedkit/protocol/hashtags.py)
    seen_at = me.DateTimeField()  # first stored (an edit keeps it): the order of the tag timeline and search
    # The activity that first stored it (a Create replayed after a crash knows it is still its first)
    stored_by = me.StringField()
    deleted = me.BooleanField(default=False)
    updated_at = me.DateTimeField(default=now)


class Interaction(Document):
    """A Like or Announce of an object, so that Undo can remove it and counts can be shown."""

    meta = {
        "collection": "interactions",
        "indexes": [{"fields": ["kind", "actor", "object_id"], "unique": True}, "activity_id",
                    ("object_id", "kind"), ("kind", "actor", "-created_at")],  # -created_at: favourites
    }
    kind = me.StringField(required=True)
    actor = me.StringField(required=True)
    object_id = me.StringField(required=True)
    activity_id = me.StringField()
    created_at = me.DateTimeField(default=now)


class Notification(Document):
    """What a local user is told of (Mastodon's notification types: mention, status, reblog,
    favourite, follow, follow_request, update, poll), written by the handlers as activities are
    applied (a poll's end by services/inbox/poll_endings.py); dismissing one deletes it. ``seq`` orders and pages them."""

    meta = {
        "collection": "notifications",
        "indexes": [{"fields": ["username", "activity_id", "type"], "unique": True}, ("username", "-seq"),
                    "activity_id"],  # the streaming events of an applied activity
    }
    username = me.StringField(required=True)
    type = me.StringField(required=True)
    actor = me.StringField(required=True)  # who did it
    activity_id = me.StringField(required=True)
    object_id = me.StringField()  # the status it is about, if any
    seq = me.IntField(required=True)
    created_at = me.DateTimeField(default=now)
    # What a type carries besides (services/inbox/reports.py): a moderation_warning's
    # AccountWarning, a report_resolved's report.
    extra = JSONDictField(default=None)


class InboxItem(Document):
    """An activity in a local user's inbox (home timeline and notifications)."""

    meta = {
        "collection": "inbox_items",
        "indexes": [{"fields": ["username", "activity_id"], "unique": True}, ("username", "-seq"), "activity_id"],
    }
    username = me.StringField(required=True)
    activity_id = me.StringField(required=True)
    seq = me.IntField(required=True)  # monotonic per node: stable paging
    received_at = me.DateTimeField(default=now)


class InboxHead(Document):
    """The first and last ``seq`` of a user's inbox and about how many items it holds, kept
    on write (``$min``/``$max``/``$inc`` on an existing head, so concurrent writers agree)
    and built from the items where missing (services/inbox/windows.py): where a page's
    windows start and stop, and how wide the first is, without a sorted scan of the inbox.
    Only ``first_seq`` must not be too high; ``last_seq`` is where the newest window starts
    (it is open upwards) and ``items`` a density hint (removed items are not counted out)."""

    meta = {"collection": "inbox_heads"}
    username = me.StringField(primary_key=True)
    first_seq = me.IntField(required=True)
    last_seq = me.IntField(required=True)
    items = me.IntField(default=0)


class FollowCount(Document):
    """An actor's accepted followers and followees and pending follow requests, kept on
    write by services/inbox/follow_counts.py rather than counted on read."""

    meta = {"collection": "follow_counts"}
    actor = me.StringField(primary_key=True)
    followers = me.IntField(default=0)
    following = me.IntField(default=0)
    requests = me.IntField(default=0)
