"""What the inbox forgets of a person: a local user's share of an erasure (fedkit/contracts/
erasure.py, services/identity/erasure.py), and a remote actor deleted at its origin (the
Delete handler: what it wrote becomes Tombstones here, as Mastodon's DeleteAccountService
removes a deleted account's statuses). Both idempotent."""

from __future__ import annotations

from fedkit.protocol.vocab import local_actor_id
from fedkit.runtime.config import Config
from services.inbox import follow_counts, search_events
from services.inbox.followed_tags import FollowedTag
from services.inbox.models import (
    FollowCount,
    InboxHead,
    InboxItem,
    Interaction,
    Notification,
    ReceivedObject,
    UndoneFollow,
)
from services.inbox.objects import tombstone
from services.inbox.report_models import ModerationAction, Report
from services.inbox.votes import CastVote


def forget_actor(actor: str, config: Config) -> dict:
    """The actor's follows (both ways), likes and shares, and what it wrote (Tombstones, out
    of the search index)."""
    follow_counts.remove(follower=actor)
    follow_counts.remove(followee=actor)
    gone = list(ReceivedObject.objects(attributed_to=actor, deleted=False))
    for record in gone:
        tombstone(record)
    search_events.indexed(gone, config)
    return {"posts": len(gone), "interactions": Interaction.objects(actor=actor).delete(),
            "notifications_caused": Notification.objects(actor=actor).delete()}


def erase_share(config: Config, username: str, pseudonym: str) -> dict:
    """A local user's: the above, and their inbox, notifications, followed tags and votes; the
    reports they filed, were the subject of or handled keep the pseudonym instead."""
    actor = local_actor_id(config.base_url, username)
    stand_in = local_actor_id(config.base_url, pseudonym)
    erased = forget_actor(actor, config)
    erased.update(
        follow_counts=FollowCount.objects(actor=actor).delete(),
        undone_follows=UndoneFollow.objects(follower=actor).delete(),
        notifications=Notification.objects(username=username).delete(),
        inbox=InboxItem.objects(username=username).delete() + InboxHead.objects(username=username).delete(),
        followed_tags=FollowedTag.objects(username=username).delete(),
        votes=CastVote.objects(username=username).delete(),
        reports=(Report.objects(reporter=actor).update(set__reporter=stand_in, set__reporter_username=pseudonym)
                 + Report.objects(target=actor).update(set__target=stand_in)
                 + Report.objects(assigned_to=username).update(set__assigned_to=pseudonym)
                 + Report.objects(action_taken_by=username).update(set__action_taken_by=pseudonym)),
        moderation_actions=(ModerationAction.objects(by=username).update(set__by=pseudonym)
                            + ModerationAction.objects(target=actor).update(set__target=stand_in)))
    return erased
