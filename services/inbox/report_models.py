"""Inbox-owned collections of moderation: the reports this node holds (``reports``) and
the trail of what its moderators did with them (``moderation_actions``).

A report is filed here when a local user reports an account or posts (Mastodon's
``POST /api/v1/reports``) and when another server's ``Flag`` names this node's people or
posts (services/inbox/handlers/flag.py). The inbox owns it because it is something the
node received, and because what follows from it — the reporter's and the author's
notifications — is inbox-owned too.
"""

from __future__ import annotations

import mongoengine as me

from fedkit.runtime.clock import now
from fedkit.runtime.db import Document, ensure_ttl

# Mastodon's report categories (docs.joinmastodon.org/methods/reports/#create).
CATEGORIES = ("spam", "legal", "violation", "other")

# What a moderator did (Mastodon's AccountWarning actions, those that map to Archipel).
NO_ACTION = "none"  # a warning only (with a text) or dismissed
DELETE_STATUSES = "delete_statuses"
MARK_SENSITIVE = "mark_statuses_as_sensitive"
EXCLUDE = "exclude"  # Archipel: banned from the communities the reported posts were addressed to
MOVE = "move_to_community"  # Archipel: the posts moved to another community (``community``)
ACTIONS = (NO_ACTION, DELETE_STATUSES, MARK_SENSITIVE, EXCLUDE, MOVE)

# How a report is told back to a member node that forwarded it: its Flag accepted (a
# moderator acted) or rejected (dismissed).
OUTCOME_ACTED, OUTCOME_DISMISSED = "acted", "dismissed"


class Report(Document):
    meta = {"collection": "reports",
            "indexes": [{"fields": ["number"], "unique": True}, {"fields": ["uri"], "unique": True},
                        ("action_taken", "-number"), ("in_community", "-number"), "target"]}
    number = me.IntField(required=True)  # its Mastodon id
    uri = me.StringField(required=True)  # the Flag's id: sent from here, or received
    reporter = me.StringField(required=True)  # a local actor, or the sending server's instance actor
    reporter_username = me.StringField()  # a local reporter (told the outcome)
    target = me.StringField(required=True)  # the reported account's actor id
    status_uris = me.ListField(me.StringField())
    comment = me.StringField(default="")
    category = me.StringField(default="other", choices=CATEGORIES)
    rule_ids = me.ListField(me.StringField())
    forwarded_to = me.ListField(me.StringField())  # actors the Flag was sent to (their servers')
    communities = me.ListField(me.StringField())  # communities the reported posts were addressed to
    in_community = me.BooleanField(default=False)  # communities is not empty (their moderators' queue)
    created_at = me.DateTimeField(default=now)
    updated_at = me.DateTimeField(default=now)
    assigned_to = me.StringField()  # a local moderator's username
    action_taken = me.BooleanField(default=False)  # resolved (Mastodon's name)
    action_taken_at = me.DateTimeField()
    action_taken_by = me.StringField()  # a local moderator's username, or the acting server's actor
    outcome = me.StringField()  # ACTIONS, or OUTCOME_* told by the server that acted


class ModerationAction(Document):
    """Who did what to whom and why: one record per moderator action (assigning,
    resolving, deleting posts, warning), kept ``ARCHIPEL_AUDIT_RETENTION_DAYS`` like the
    gateway's audit trail."""

    meta = {"collection": "moderation_actions", "indexes": ["-at", "report", "target"]}
    at = me.DateTimeField(required=True, default=now)
    by = me.StringField(required=True)  # a local moderator's username
    action = me.StringField(required=True)  # "assign", "resolve", or one of ACTIONS
    report = me.IntField()
    target = me.StringField()  # the account acted on
    status_uris = me.ListField(me.StringField())
    reason = me.StringField(default="")  # the moderator's text (a warning's reason)
    community = me.StringField()  # MOVE: the community the posts went to


def ensure_retention(retention_days: int) -> None:
    """The trail's TTL index (a deployment step, as gateway.audit.ensure_retention)."""
    ensure_ttl(ModerationAction, "at", retention_days, "moderation_actions_ttl")
