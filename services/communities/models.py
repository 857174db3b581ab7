"""Communities-owned collections: communities, memberships, accepted posts."""

from __future__ import annotations

import datetime as dt

import mongoengine as me

from fedkit.rules.policy import VISIBILITIES
from fedkit.runtime import leases
from fedkit.runtime.clock import now
from fedkit.runtime.db import Document, JSONDictField

OPENNESS = ("free", "open", "closed")  # free: joined at once; open: a manager approves; closed: invitation only
PURPOSES = ("professional", "social")
POSTING = ("members", "moderators")
OWNER, MANAGER, MODERATOR, MEMBER_ROLE = "owner", "manager", "moderator", "member"
ROLES = (OWNER, MANAGER, MODERATOR, MEMBER_ROLE)
MANAGING_ROLES = (OWNER, MANAGER)
MODERATING_ROLES = (OWNER, MANAGER, MODERATOR)

# A membership's states (the machine MEMBERSHIP, below). ABSENT: no membership (never
# asked, or removed, left, declined, expired, unbanned).
MEMBER, PENDING, INVITED, BANNED = "member", "pending", "invited", "banned"
ABSENT = leases.ABSENT
MEMBERSHIP_TRANSITIONS = {
    # joined (a free community, or its creator), asked to join (open), invited, banned
    ABSENT: {MEMBER, PENDING, INVITED, BANNED},
    # approved (or the community became free), asked again, invited, banned, refused or withdrawn
    PENDING: {MEMBER, PENDING, INVITED, BANNED, ABSENT},
    # accepted, invited again or renewed, banned, declined, withdrawn or expired
    INVITED: {MEMBER, INVITED, BANNED, ABSENT},
    # joined again, a new role or a renewal, banned, removed, left or expired
    MEMBER: {MEMBER, BANNED, ABSENT},
    # banned again, unbanned (a ban is never lifted by leaving or joining)
    BANNED: {BANNED, ABSENT},
}
STATES = tuple(s for s in MEMBERSHIP_TRANSITIONS if s is not ABSENT)
SEEING = (MEMBER, INVITED)  # fedkit.rules.policy.SEEING_STATES: they may see a hidden community


def partner_expiry(config) -> dt.datetime:
    """When a partner membership granted or renewed now ends."""
    return now() + dt.timedelta(days=config.partner_membership_days)


class Community(Document):
    """A community hosted on this node, published as a Group actor."""

    # The last index serves the dormancy sweep (dormancy.py), an equality on null included.
    meta = {"collection": "communities",
            "indexes": ["actor_id", "visibility", ("archived", "dormant_flagged_at", "last_activity_at")]}
    slug = me.StringField(primary_key=True)
    actor_id = me.StringField(required=True, unique=True)
    name = me.StringField(required=True, max_length=200)
    description = me.StringField(default="", max_length=5000)
    tags = me.ListField(me.StringField(max_length=64))
    purpose = me.StringField(choices=PURPOSES, default="professional")
    openness = me.StringField(choices=OPENNESS, default="open")
    visibility = me.StringField(choices=VISIBILITIES, default="group")
    # "moderators": an announcement channel (members read, the owner, managers and moderators post)
    posting = me.StringField(choices=POSTING, default="members")
    # A dynamic community: the directory attributes its members share (membership_rule.py),
    # e.g. {"department": "Finance"}; reconcile.py keeps the memberships in step.
    membership_rule = me.DictField()
    owner = me.StringField(required=True)
    archived = me.BooleanField(default=False)
    # Outside actors (partners) may be invited; their memberships expire unless renewed.
    admits_partners = me.BooleanField(default=False)
    created_at = me.DateTimeField(default=now)
    last_activity_at = me.DateTimeField(default=now)
    dormant_flagged_at = me.DateTimeField()


class Membership(Document):
    """One actor's standing in one community (local or remote actor)."""

    meta = {"collection": "memberships",
            "indexes": [{"fields": ["community", "actor"], "unique": True}, ("community", "state"), "actor",
                        ("state", "expires_at"),
                        ("state", "expiry_notice_sent", "expires_at")]}
    community = me.StringField(required=True)  # slug
    actor = me.StringField(required=True)
    role = me.StringField(choices=ROLES, default=MEMBER_ROLE)
    state = me.StringField(choices=STATES, required=True)
    follow = JSONDictField()  # the Follow that asked to join, answered by Accept/Reject
    invited_by = me.StringField()
    source = me.StringField(choices=("rule",))  # "rule": made by the membership rule; None: by hand
    partner = me.BooleanField(default=False)  # an actor outside the group
    expires_at = me.DateTimeField()  # partners only: access ends then unless renewed
    expiry_notice_sent = me.BooleanField(default=False)
    created_at = me.DateTimeField(default=now)
    updated_at = me.DateTimeField(default=now)


class CommunityPost(Document):
    """A post a member addressed to the community, accepted and announced by the Group."""

    meta = {"collection": "community_posts",
            "indexes": [("community", "-created_at"), ("community", "in_reply_to"), "author"]}
    object_id = me.StringField(primary_key=True)
    community = me.StringField(required=True)
    author = me.StringField(required=True)
    create_id = me.StringField()
    announce_id = me.StringField()  # the Group's Announce of it (the client API shows it as a reblog)
    raw = JSONDictField(required=True)
    in_reply_to = me.StringField()
    removed = me.BooleanField(default=False)
    removed_by = me.StringField()
    created_at = me.DateTimeField(default=now)


MEMBERSHIP = leases.Machine("membership", Membership, MEMBERSHIP_TRANSITIONS)


def set_membership(membership: Membership | None, new_state: str, *, community: str, actor: str,
                   **fields) -> Membership | None:
    """Move ``membership`` (as read; None when there is none) to ``new_state`` along a declared
    transition, or create it; None when another writer changed it first."""
    if membership is None:
        return MEMBERSHIP.create(new_state, community=community, actor=actor, updated_at=now(), **fields)
    return membership if MEMBERSHIP.move(membership, new_state, updated_at=now(), **fields) else None
