"""An inbound activity applied again — after its worker died mid-way (kill -9), or after a
write that failed — has every effect of a first application, and is never recorded
processed while one of them is missing (tests/e2e/test_crash_recovery.py crashes the real
worker; these replay the cases one by one, in process)."""

from __future__ import annotations

import datetime as dt

import mongoengine as me
import pytest

from fedkit.protocol.actors import CachedActor
from services.inbox.context import HandlerContext
from services.inbox.models import InboundActivity, InboxItem
from tests.unit.test_inbox_handlers_inprocess import BOB, fr, note, notified  # noqa: F401 (fr: a fixture)


class Killed(BaseException):
    """kill -9 of the worker: nothing after it runs (no handler, no reschedule, no finish)."""


def lapse_leases() -> None:
    """What a dead worker held is due again after its lease (fedkit/runtime/leases.py)."""
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    InboundActivity.objects(state="received").update(set__lease_until=past, set__holder="")


def mentioning_alice(fr, n: int) -> dict:  # noqa: F811
    create = note(BOB, n, to=[fr.actor("alice")])
    create["object"]["tag"] = [{"type": "Mention", "href": fr.actor("alice")}]
    return create


def test_a_create_replayed_after_its_worker_died_mid_way_reaches_and_notifies(fr, monkeypatch):  # noqa: F811
    create = mentioning_alice(fr, 31)
    assert fr.deliver(create, by=fr.bob).status_code == 202
    fr._drain_intake()

    def die(self, usernames, activity_id=None):
        raise Killed  # after the object was stored, before anyone's inbox was written

    monkeypatch.setattr(HandlerContext, "deliver_to_inbox", die)
    with pytest.raises(Killed):
        fr._apply_inbound()
    monkeypatch.undo()
    assert fr.received(create["object"]["id"]) is not None and fr.inbox_of("alice") == []

    lapse_leases()
    fr.run()
    assert fr.outcome(create["id"]) == "processed"
    assert fr.inbox_of("alice") == [create["id"]]
    assert notified("alice") == [("mention", BOB, create["object"]["id"])]  # not lost on the replay


def test_a_duplicate_key_for_an_item_that_is_not_there_is_no_success(fr, monkeypatch):  # noqa: F811
    """The database answers "duplicate" for an inbox item it does not hold (a concurrent
    insert of the same key that did not commit): the activity is retried, not recorded
    processed without the item."""
    create = mentioning_alice(fr, 32)
    real_save = InboxItem.save
    refused = []

    def spurious_duplicate(self, *args, **kwargs):
        if not refused:
            refused.append(self.activity_id)
            raise me.NotUniqueError("E11000 duplicate key error (a write that did not commit)")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(InboxItem, "save", spurious_duplicate)
    assert fr.deliver(create, by=fr.bob).status_code == 202
    fr.run()
    assert refused == [create["id"]]
    assert fr.outcome(create["id"]) == "received"  # to be retried: the item is not there
    lapse_leases()
    fr.run()
    assert fr.outcome(create["id"]) == "processed"
    assert fr.inbox_of("alice") == [create["id"]]


def test_a_followers_only_post_reaches_the_followers_while_the_authors_server_is_away(fr):  # noqa: F811
    """The author's actor document is stale in the cache and its server does not answer: the
    followers collection it named is still the one cached (an actor's followers collection
    does not move), so the post reaches its local followers; nothing is dropped."""
    fr.follows(fr.actor("alice"), BOB)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=fr.config.actor_cache_seconds + 60)
    CachedActor.objects(actor_id=BOB).update(set__fetched_at=long_ago)
    create = note(BOB, 33, to=[f"{BOB}/followers"])
    assert fr.deliver(create, by=fr.bob).status_code == 202
    fr.run()
    assert fr.outcome(create["id"]) == "processed"
    assert fr.inbox_of("alice") == [create["id"]]


def test_a_followers_only_post_of_an_unknown_author_whose_server_is_away_waits(fr):  # noqa: F811
    """Never fetched and its server away: whether it reaches a follower is not known yet, so
    the activity is retried later instead of being recorded processed for nobody."""
    carl = "http://127.0.0.1:9/users/carl"  # nothing answers there (connection refused)
    remote = fr.remote_actor(carl)
    fr.follows(fr.actor("alice"), carl)
    create = note(carl, 34, to=[f"{carl}/followers"])
    assert fr.deliver(create, by=remote).status_code == 202
    CachedActor.objects(actor_id=carl).delete()  # known by its key only until now: forgotten
    fr.run()
    assert fr.outcome(create["id"]) == "received"
    assert fr.inbox_of("alice") == []
