"""What a handler gets: the activity, the node's config, and helpers to reach the
other services and to place items in local inboxes."""

from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass

import mongoengine as me

from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.local_ids import is_local, local_username
from fedkit.protocol.vocab import Document
from fedkit.rules.audience import AudiencePlan
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.inbox.models import (
    FOLLOW_ACCEPTED,
    IGNORED,
    FollowRelation,
    InboxHead,
    InboxItem,
    Notification,
)

log = logging.getLogger(__name__)
_seq = itertools.count()


def next_seq() -> int:
    # Microsecond clock plus a per-process counter: increasing and unique enough for paging.
    return int(time.time() * 1_000_000) * 100 + next(_seq) % 100


class NotStored(RuntimeError):
    """A write refused as a duplicate of a record that is not there: the activity is retried."""


def _confirm_stored(query, what: str) -> None:
    """After a duplicate-key refusal: the record must be there. A concurrent insert of the
    same key that did not commit may be refused this way (the embedded database reports the
    key as taken); swallowing it would record the activity processed without its effect."""
    if query.first() is None:
        raise NotStored(f"{what} refused as a duplicate but not stored")


@dataclass
class HandlerContext:
    config: Config
    internal: InternalClient
    activity: Document
    also_to: tuple[str, ...] = ()  # bto/bcc addressees of a local activity
    stored_id: str | None = None  # the id it is stored under (a hash when it had none)
    plan: AudiencePlan | None = None  # a local activity's audience plan (fedkit.rules.audience)
    refusal: str | None = None  # why a handler ignored it, kept on the stored activity (``refuse``)

    @property
    def users_prefix(self) -> str:
        return self.config.base_url + "/users/"

    def local_username(self, actor_id: str | None) -> str | None:
        """The username of a local Person actor id, or None for anything else."""
        return local_username(actor_id, self.config.base_url)

    def is_local(self, iri: str | None) -> bool:
        return is_local(iri, self.config.base_url)

    def deliver_to_inbox(self, usernames, activity_id: str | None = None) -> int:
        activity_id = activity_id or self.stored_id or self.activity.id
        count = 0
        for username in set(usernames):
            try:
                seq = next_seq()
                InboxItem(username=username, activity_id=activity_id, seq=seq).save(force_insert=True)
                # An existing head only: one made here would claim this item is the inbox's
                # first (services/inbox/windows.py builds a missing head from the items).
                InboxHead.objects(username=username).update_one(min__first_seq=seq, max__last_seq=seq, inc__items=1)
                count += 1
            except me.NotUniqueError:  # a repeated delivery changes nothing — if the item is there
                _confirm_stored(InboxItem.objects(username=username, activity_id=activity_id), "inbox item")
        return count

    def notify(self, usernames, kind: str, object_id: str | None = None) -> None:
        """Tell local users of this activity (a notification of Mastodon's type ``kind``),
        once, never of their own doing."""
        actor, activity_id = self.activity.actor_id, self.stored_id or self.activity.id
        for username in set(usernames):
            if not actor or not activity_id or self.local_username(actor) == username:
                continue
            try:
                Notification(username=username, type=kind, actor=actor, activity_id=activity_id,
                             object_id=object_id, seq=next_seq()).save(force_insert=True)
            except me.NotUniqueError:  # a repeated delivery changes nothing — if it is there
                _confirm_stored(Notification.objects(username=username, activity_id=activity_id, type=kind),
                                "notification")

    def local_followers_of(self, actor_id: str) -> list[str]:
        usernames = []
        for rel in FollowRelation.objects(followee=actor_id, state=FOLLOW_ACCEPTED).only("follower"):
            name = self.local_username(rel.follower)
            if name:
                usernames.append(name)
        return usernames

    def refuse(self, reason: str) -> str:
        """Ignore the activity, saying why (the stored activity's ``error``)."""
        self.refusal = reason
        log.info("%s %s ignored: %s", self.activity.type, self.stored_id or self.activity.id, reason)
        return IGNORED

    def send_as(self, username: str, activity: dict) -> None:
        """Ask the outbox to publish an activity as a local actor (e.g. an Accept)."""
        OutboxClient(self.internal).send_as(username, activity)
