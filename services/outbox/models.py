"""Outbox-owned collections: local activities and objects, deliveries, host health, held
posts; and the state machines of fan-outs, deliveries and held posts (fedkit/runtime/leases.py)."""

from __future__ import annotations

import mongoengine as me

from fedkit.runtime import leases
from fedkit.runtime.clock import now
from fedkit.runtime.db import Document, JSONDictField

# Fan-out of a published activity (fanout.py): pending until every target has its delivery.
FANOUT_PENDING, FANOUT_DONE = "pending", "done"
FANOUT_TRANSITIONS = {FANOUT_PENDING: {FANOUT_DONE}, FANOUT_DONE: set()}

# One delivery (delivery.py):
#     queued   --2xx--> delivered
#     queued   --408/429/5xx/network--> retrying   (attempts+1, next_attempt_at = backoff)
#     queued   --other 4xx, or attempts exhausted--> failed
#     retrying --same as queued-->
QUEUED, RETRYING, DELIVERED, FAILED = "queued", "retrying", "delivered", "failed"
DELIVERY_TRANSITIONS = {
    QUEUED: {DELIVERED, RETRYING, FAILED},
    RETRYING: {DELIVERED, RETRYING, FAILED},
    DELIVERED: set(),
    FAILED: set(),
}

# A post the DLP guard holds (held.py): an administrator's decision claims it (releasing),
# then it is published (released) or refused by the publisher (failed), or rejected; a
# release that cannot go on (the author is gone, an error) gives it back (held).
HELD, RELEASING, RELEASED, REJECTED, RELEASE_FAILED = "held", "releasing", "released", "rejected", "failed"
HELD_TRANSITIONS = {
    leases.ABSENT: {HELD},
    HELD: {RELEASING},
    RELEASING: {RELEASED, RELEASE_FAILED, REJECTED, HELD},
    RELEASED: set(), REJECTED: set(), RELEASE_FAILED: set(),
}


class OutboxActivity(Document):
    """An activity published by a local actor, as served at its id (bto/bcc kept here only)."""

    # (actor, activity_type, -created_at): an author's posts page (internal_api.posts). The
    # embedded database uses no index for a filter naming a field the index lacks (a
    # collection scan, 146 ms at 2,000 posts, against 9 ms on this one).
    meta = {"collection": "outbox_activities",
            "indexes": [("actor", "-created_at"), ("actor", "activity_type", "-created_at"), "object_id",
                        ("fanout", "created_at"), ("fanout", "lease_until")]}
    activity_id = me.StringField(primary_key=True)
    actor = me.StringField(required=True)
    activity_type = me.StringField(required=True)
    object_id = me.StringField()
    raw = JSONDictField(required=True)
    # ``raw.object`` is the id of a post in local_objects, embedded when served (objects.py).
    object_stored = me.BooleanField(default=False)
    addressees = me.ListField(me.StringField())
    # Set for activities of a node actor that is not a Person (a community's Announce):
    # the exact actors to reach, decided by the service that owns that actor.
    explicit_recipients = me.BooleanField(default=False)
    recipients = me.ListField(me.StringField())
    # Who receives it and who may see it, decided once when published (fedkit.rules.audience.AudiencePlan).
    plan = JSONDictField()
    # When identity last said its local author's account is active (publishing checks it);
    # delivery trusts that answer as long as it trusts its own (delivery.CLOSED_RECHECK_SECONDS).
    author_active_at = me.DateTimeField()
    # Fan-out (local delivery + one Delivery per remote inbox) runs in the worker;
    # "pending" until done, so a crash in between is picked up by the sweeper.
    fanout = me.StringField(default=FANOUT_PENDING, choices=tuple(FANOUT_TRANSITIONS))
    # The lease engine's fields (fedkit/runtime/leases.py); every creator enqueues the fan-out at once.
    lease_until = me.DateTimeField(default=leases.nudged_until)
    holder = me.StringField(default=leases.QUEUED)
    created_at = me.DateTimeField(default=now)


class LocalObject(Document):
    """An object created by a local actor (Note…); a Tombstone once deleted."""

    meta = {"collection": "local_objects", "indexes": ["author"]}
    object_id = me.StringField(primary_key=True)
    author = me.StringField(required=True)
    raw = JSONDictField(required=True)
    addressees = me.ListField(me.StringField())
    deleted = me.BooleanField(default=False)
    created_at = me.DateTimeField(default=now)


class Delivery(Document):
    """One activity to one target inbox (shared inbox preferred). See ``delivery.py``."""

    meta = {
        "collection": "deliveries",
        "indexes": [
            {"fields": ["activity_id", "inbox"], "unique": True},
            ("state", "next_attempt_at"),
            ("host", "state"),
        ],
    }
    activity_id = me.StringField(required=True)
    actor = me.StringField(required=True)
    inbox = me.StringField(required=True)
    host = me.StringField(required=True)
    state = me.StringField(required=True, default=QUEUED)
    attempts = me.IntField(default=0)
    # The lease engine's due time (fedkit/runtime/leases.py): the next attempt, or a worker's lease.
    next_attempt_at = me.DateTimeField(default=now)
    holder = me.StringField(default="")
    last_status = me.IntField()
    last_error = me.StringField()
    created_at = me.DateTimeField(default=now)
    delivered_at = me.DateTimeField()


class HostHealth(Document):
    """Consecutive delivery failures per host; an unavailable host is probed, not hammered."""

    meta = {"collection": "host_health"}
    host = me.StringField(primary_key=True)
    consecutive_failures = me.IntField(default=0)
    unavailable = me.BooleanField(default=False)
    next_probe_at = me.DateTimeField()
    last_success_at = me.DateTimeField()


class HeldPost(Document):
    """A post the data-loss prevention guard holds for review (services/outbox/dlp.py,
    held.py): the author's request as posted, published as them only when a node
    administrator releases it; nothing of it is stored as an activity or object before."""

    meta = {"collection": "held_posts", "indexes": [("state", "-created_at"), ("username", "-created_at")]}
    held_id = me.StringField(primary_key=True)
    author = me.StringField(required=True)  # actor id
    username = me.StringField(required=True)
    request_json = me.StringField(required=True)  # the C2S body as JSON text (any keys)
    post_json = me.StringField(required=True)  # the object as it would be published, for review
    text = me.StringField(default="")  # everything the rules read in it (dlp.Outgoing.text)
    activity_type = me.StringField(required=True)  # Create or Update
    object_id = me.StringField()  # an Update's object
    addressees = me.ListField(me.StringField())
    leaving = me.ListField(me.StringField())  # the addressees that take it out of the group
    rule = me.StringField(required=True)
    message = me.StringField(required=True)
    state = me.StringField(default=HELD, choices=(HELD, RELEASING, RELEASED, REJECTED, RELEASE_FAILED))
    decided_by = me.StringField()
    decided_at = me.DateTimeField()
    reason = me.StringField()  # a rejection's reason, or why the release failed
    activity_id = me.StringField()  # once released
    created_at = me.DateTimeField(default=now)


FANOUT = leases.Machine("fan-out", OutboxActivity, FANOUT_TRANSITIONS, state_field="fanout", attempts_field=None)
DELIVERY = leases.Machine("delivery", Delivery, DELIVERY_TRANSITIONS, due_field="next_attempt_at", attempts_field=None)
HELD_POST = leases.Machine("held post", HeldPost, HELD_TRANSITIONS)


class PostCount(Document):
    """How many posts (not deleted) a local actor has: kept on write by services/outbox/
    post_counts.py rather than counted on read (a count scans every post of the author on
    the embedded database)."""

    meta = {"collection": "post_counts"}
    author = me.StringField(primary_key=True)
    posts = me.IntField(required=True)
