"""Each worker driven in this process by its ``run_single_cycle()``: no worker process, no
queue; the real embedded database, and a real HTTP peer for deliveries. Calls to the
node's other services are recorded, not made."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from fedkit.protocol.actors import CachedActor
from fedkit.protocol.keys import generate_rsa_keypair
from fedkit.protocol.vocab import PUBLIC
from fedkit.runtime import keystore, leases
from fedkit.runtime.config import Config

BASE = "http://node.test"
ALICE = f"{BASE}/users/alice"


class Recorder:
    """Stands in for the internal client: records every call, answers with nothing."""

    def __init__(self):
        self.calls: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return {}

        return call

    def sent(self) -> list[dict]:
        """Bodies posted (activities a community sent, local deliveries)."""
        return [args[2] for name, args, _ in self.calls if name == "post_json"]


@pytest.fixture
def config():
    return Config(base_url=BASE, dev_mode=True, delivery_backoff_scale=0.001, partner_expiry_notice_days=7,
                  community_dormant_after=30 * 86400)


def ago(**delta) -> dt.datetime:
    return leases.now() - dt.timedelta(**delta)


def ahead(**delta) -> dt.datetime:
    return leases.now() + dt.timedelta(**delta)


# -- communities worker ----------------------------------------------------------------------

def test_communities_cycle_ends_expired_partners_warns_of_the_next_and_flags_dormancy(db, config):
    from services.communities import models as cm
    from services.communities.worker import run_single_cycle

    cm.Community(slug="c", actor_id=f"{BASE}/communities/c", name="C", owner=ALICE, openness="closed",
                 admits_partners=True).save()
    cm.Community(slug="quiet", actor_id=f"{BASE}/communities/quiet", name="Quiet", owner=ALICE,
                 last_activity_at=ago(days=31)).save()
    for slug in ("c", "quiet"):
        cm.Membership(community=slug, actor=ALICE, role="owner", state="member").save()
    gone, soon, later = "http://p.test/users/gone", "http://p.test/users/soon", "http://p.test/users/later"
    cm.Membership(community="c", actor=gone, state="member", partner=True, expires_at=ago(minutes=1)).save()
    cm.Membership(community="c", actor=soon, state="invited", partner=True, expires_at=ahead(days=2)).save()
    cm.Membership(community="c", actor=later, state="member", partner=True, expires_at=ahead(days=30)).save()
    internal = Recorder()

    flagged, (notices, ended) = run_single_cycle(config, internal)

    assert flagged == ["quiet"] and (notices, ended) == (2, 1)  # the ended one was warned first
    left = {m.actor: m.expiry_notice_sent for m in cm.Membership.objects(community="c")}
    assert left == {ALICE: False, soon: True, later: False}
    reject = [body["activity"] for body in internal.sent() if body["activity"]["type"] == "Reject"]
    assert len(reject) == 1 and reject[0]["object"]["actor"] == gone and internal.sent()[-1]["recipients"] == [ALICE]
    # Nothing more is due: a second cycle does nothing.
    assert run_single_cycle(config, Recorder()) == ([], (0, 0))


def test_a_renewed_partner_is_not_ended(db, config):
    from services.communities import models as cm
    from services.communities.partners import expire_partners

    cm.Community(slug="c", actor_id=f"{BASE}/communities/c", name="C", owner=ALICE).save()
    cm.Membership(community="c", actor="http://p.test/users/p", state="member", partner=True,
                  expires_at=ago(minutes=1), expiry_notice_sent=True).save()
    due = cm.MEMBERSHIP.due_by("expires_at", leases.now(), states=cm.SEEING)
    cm.Membership.objects(community="c").update(set__expires_at=ahead(days=90))  # a manager renews it meanwhile
    assert not cm.MEMBERSHIP.move(due[0], cm.ABSENT, where={"expires_at": {"$lte": leases.now()}})
    assert expire_partners(config, Recorder()) == (0, 0) and cm.Membership.objects.count() == 1


# -- inbox worker ------------------------------------------------------------------------------

def test_inbox_cycle_applies_what_is_queued_or_due(db, config):
    from services.inbox.models import InboundActivity, ReceivedObject
    from services.inbox.worker import run_single_cycle

    author = "http://r.test/users/rem"
    note = {"id": "http://r.test/notes/1", "type": "Note", "attributedTo": author, "content": "hi", "to": [PUBLIC]}
    create = {"id": "http://r.test/activities/1", "type": "Create", "actor": author, "to": [PUBLIC], "object": note}
    arrive = {"id": "http://r.test/activities/2", "type": "Arrive", "actor": author}
    later = {"id": "http://r.test/activities/3", "type": "Arrive", "actor": author}
    InboundActivity(activity_id=create["id"], raw=create, activity_type="Create", signer=author).save()
    InboundActivity(activity_id=arrive["id"], raw=arrive, activity_type="Arrive", signer=author, holder="",
                    lease_until=ago(seconds=1)).save()
    InboundActivity(activity_id=later["id"], raw=later, activity_type="Arrive", signer=author, holder="",
                    lease_until=ahead(hours=1)).save()  # a retry, later

    assert run_single_cycle(config, Recorder()) == 2
    states = {a.activity_id: a.state for a in InboundActivity.objects}
    assert states == {create["id"]: "processed", arrive["id"]: "ignored", later["id"]: "received"}
    assert ReceivedObject.objects.get(object_id=note["id"]).raw["content"] == "hi"
    assert run_single_cycle(config, Recorder()) == 0


# -- outbox (delivery) worker ------------------------------------------------------------------

class Broker:
    def __init__(self):
        self.messages = []

    def enqueue(self, message, delay=None):
        self.messages.append(message)


def test_outbox_cycle_fans_out_then_delivers(db, config, peer):
    from services.outbox.models import Delivery, OutboxActivity
    from services.outbox.worker import run_single_cycle

    private_pem, public_pem = generate_rsa_keypair()
    keystore.store_key(ALICE, ALICE + "#main-key", private_pem, public_pem)
    remote = f"http://127.0.0.1:{peer.port}/users/p"
    CachedActor(actor_id=remote, inbox=peer.inbox, fetched_at=leases.now(), raw_json="{}").save()
    raw = {"id": f"{BASE}/activities/1", "type": "Create", "actor": ALICE, "to": [remote],
           "object": {"id": f"{BASE}/objects/1", "type": "Note", "content": "hi", "attributedTo": ALICE}}
    OutboxActivity(activity_id=raw["id"], actor=ALICE, activity_type="Create", raw=raw, explicit_recipients=True,
                   recipients=[remote, f"{BASE}/users/bob"]).save()
    internal, broker = Recorder(), Broker()

    assert run_single_cycle(config, internal, broker) == 1
    assert OutboxActivity.objects.get(activity_id=raw["id"]).fanout == "done"
    assert [d.state for d in Delivery.objects] == ["delivered"]
    assert len(peer.received) == 1 and json.loads(peer.received[0]["body"])["id"] == raw["id"]
    assert internal.sent()[0]["also_to"] == [f"{BASE}/users/bob"]  # the local part, handed to the inbox
    assert run_single_cycle(config, Recorder(), Broker()) == 0
