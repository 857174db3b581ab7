"""An Accept that overtakes this node's own copy of the Follow still counts."""

from __future__ import annotations

from fedkit.protocol.vocab import parse_document
from fedkit.runtime.config import Config
from services.inbox.context import HandlerContext
from services.inbox.handlers.accept import on_accept
from services.inbox.models import FollowRelation, InboundActivity, InboxItem

BASE = "http://fr.test"
ALICE = f"{BASE}/users/alice"
PEER = "http://peer.test/users/carol"


def test_an_accept_processed_before_our_own_follow_records_the_follow(db):
    follow = {"id": f"{BASE}/activities/f1", "type": "Follow", "actor": ALICE, "object": PEER}
    # the outbox handed the Follow to the inbox (stored) but no worker applied it yet
    InboundActivity(activity_id=follow["id"], raw=follow, activity_type="Follow", local=True).save()
    accept = {"id": "http://peer.test/accepts/1", "type": "Accept", "actor": PEER, "object": follow}
    ctx = HandlerContext(config=Config(base_url=BASE, dev_mode=True), internal=None,
                         activity=parse_document(accept), stored_id=accept["id"])
    assert on_accept(ctx) == "processed"
    relation = FollowRelation.objects(follower=ALICE, followee=PEER).get()
    assert relation.state == "accepted" and relation.follow_activity_id == follow["id"]
    assert InboxItem.objects(username="alice", activity_id=accept["id"]).count() == 1


def test_an_accept_of_a_follow_we_never_sent_is_ignored(db):
    follow = {"id": f"{BASE}/activities/f2", "type": "Follow", "actor": ALICE, "object": PEER}
    accept = {"id": "http://peer.test/accepts/2", "type": "Accept", "actor": PEER, "object": follow}
    ctx = HandlerContext(config=Config(base_url=BASE, dev_mode=True), internal=None,
                         activity=parse_document(accept), stored_id=accept["id"])
    assert on_accept(ctx) == "ignored"
    assert FollowRelation.objects(follower=ALICE).count() == 0
