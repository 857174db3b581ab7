"""Account closure as other nodes see it: the Update that suspends a remote actor, its key
(and the in-process key memo), deliveries to it, and what its posts look like in an inbox."""

from __future__ import annotations

import json

import pytest
import requests
from flask import Flask

from fedkit.protocol import actors
from fedkit.protocol.actors import (
    CachedActor,
    FetchError,
    _cache_actor,
    mark_suspended,
    resolve_key,
)
from fedkit.protocol.vocab import parse_document
from fedkit.runtime.config import Config
from services.inbox.context import HandlerContext
from services.inbox.handlers.delete import on_delete
from services.inbox.handlers.update import on_update
from services.inbox.models import FollowRelation, InboundActivity, ReceivedObject
from services.outbox.addressing import target_inboxes

DE = "http://de.test"
CONFIG = Config(base_url=DE, dev_mode=True)
ALICE = "http://fr.test/users/alice"
KEY = f"{ALICE}#main-key"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def person(**extra) -> dict:
    return {"id": ALICE, "type": "Person", "preferredUsername": "alice", "inbox": f"{ALICE}/inbox",
            "endpoints": {"sharedInbox": "http://fr.test/inbox"}, "followers": f"{ALICE}/followers",
            "publicKey": {"id": KEY, "owner": ALICE, "publicKeyPem": "PEM"}, **extra}


@pytest.fixture
def origin(monkeypatch):
    """alice's home node as this node fetches it: her document, or an HTTP status."""
    state = {"answer": person()}

    def fetch_json(url, config, **_options):
        assert url == ALICE
        if isinstance(state["answer"], int):
            raise FetchError("http_error", f"GET {url} answered {state['answer']}", state["answer"])
        return state["answer"]

    monkeypatch.setattr(actors, "fetch_json", fetch_json)
    actors._KEY_MEMO.clear()
    yield state
    actors._KEY_MEMO.clear()


def update_ctx(suspended: bool | None) -> HandlerContext:
    obj = person() if suspended is None else person(suspended=suspended)
    activity = {"id": "http://fr.test/activities/u1", "type": "Update", "actor": ALICE, "object": obj}
    return HandlerContext(config=CONFIG, internal=None, activity=parse_document(activity))


def test_suspended_document_is_cached_as_suspended(db):
    assert not _cache_actor(person(), ALICE, CONFIG).suspended
    assert _cache_actor(person(suspended=True), ALICE, CONFIG).suspended  # Mastodon's toot:suspended


def test_update_with_suspended_true_and_a_gone_actor_marks_it_suspended(db, origin):
    _cache_actor(person(), ALICE, CONFIG)
    origin["answer"] = 410
    assert on_update(update_ctx(True)) == "processed"
    assert CachedActor.objects.get(actor_id=ALICE).suspended
    # reactivated at the origin: the Update with suspended false refetches and restores it
    origin["answer"] = person()
    on_update(update_ctx(False))
    assert not CachedActor.objects.get(actor_id=ALICE).suspended


def test_update_trusts_the_origin_over_the_embedded_copy(db, origin):
    _cache_actor(person(), ALICE, CONFIG)
    origin["answer"] = person(suspended=True)  # the origin serves it suspended (Mastodon)
    on_update(update_ctx(None))
    assert CachedActor.objects.get(actor_id=ALICE).suspended
    origin["answer"] = 503  # unreachable: a suspension recorded here is kept
    on_update(update_ctx(False))
    assert CachedActor.objects.get(actor_id=ALICE).suspended
    origin["answer"] = 404  # gone
    on_update(update_ctx(None))
    assert CachedActor.objects.get(actor_id=ALICE).suspended


def test_unreachable_origin_of_an_active_actor_drops_the_cache_as_before(db, origin):
    _cache_actor(person(), ALICE, CONFIG)
    origin["answer"] = 503
    on_update(update_ctx(None))
    assert CachedActor.objects(actor_id=ALICE).count() == 0


def test_no_key_for_a_suspended_actor_even_when_remembered(db, origin):
    assert resolve_key(KEY, CONFIG) == (ALICE, "PEM")
    assert KEY in actors._KEY_MEMO
    # another process (the inbox worker) records the suspension: this memo knows nothing of it
    CachedActor.objects(actor_id=ALICE).update_one(set__suspended=True)
    origin["answer"] = 410
    assert resolve_key(KEY, CONFIG) is None
    assert KEY not in actors._KEY_MEMO
    assert resolve_key(KEY, CONFIG, refresh=True) is None  # the verifier's one refetch: still gone
    origin["answer"] = person(suspended=True)
    assert resolve_key(KEY, CONFIG, refresh=True) is None  # served, but suspended
    # reactivated: the refetch finds it active and gives the key back
    origin["answer"] = person()
    assert resolve_key(KEY, CONFIG, refresh=True) == (ALICE, "PEM")
    assert not CachedActor.objects.get(actor_id=ALICE).suspended
    assert resolve_key(KEY, CONFIG) == (ALICE, "PEM")


def test_mark_suspended_forgets_the_key_in_this_process(db, origin):
    assert resolve_key(KEY, CONFIG) == (ALICE, "PEM")
    assert mark_suspended(ALICE) and KEY not in actors._KEY_MEMO
    assert not mark_suspended("http://fr.test/users/nobody")


class _Communities:
    """The communities service answering ``forget_actor`` (fedkit/contracts/erasure.py)."""

    def __init__(self):
        self.asked = []

    def request(self, method, service, path, **kwargs):
        self.asked.append((service, kwargs.get("json")))
        resp = requests.Response()
        resp.status_code, resp._content = 200, b'{"erased": {}}'
        return resp


def test_actor_delete_marks_it_gone_rather_than_dropping_it(db, origin):
    _cache_actor(person(), ALICE, CONFIG)
    assert resolve_key(KEY, CONFIG) == (ALICE, "PEM")
    FollowRelation(follower=ALICE, followee=f"{DE}/users/bob", state="accepted").save()
    delete = {"id": "http://fr.test/activities/d1", "type": "Delete", "actor": ALICE, "object": ALICE}
    communities = _Communities()
    assert on_delete(HandlerContext(config=CONFIG, internal=communities, activity=parse_document(delete))) == "processed"
    assert CachedActor.objects.get(actor_id=ALICE).suspended and KEY not in actors._KEY_MEMO
    assert FollowRelation.objects(follower=ALICE).count() == 0
    assert communities.asked == [("communities", {"actor": ALICE})]  # it leaves this node's communities


def test_nothing_is_delivered_to_a_suspended_actor(db, origin):
    _cache_actor(person(), ALICE, CONFIG)
    bob = {**person(), "id": "http://other.test/users/bob", "inbox": "http://other.test/users/bob/inbox",
           "endpoints": {"sharedInbox": "http://other.test/inbox"},
           "publicKey": {"id": "http://other.test/users/bob#main-key", "owner": "http://other.test/users/bob",
                         "publicKeyPem": "PEM"}}
    _cache_actor(bob, bob["id"], CONFIG)
    assert target_inboxes([ALICE, bob["id"]], CONFIG) == ["http://fr.test/inbox", "http://other.test/inbox"]
    mark_suspended(ALICE)
    assert target_inboxes([ALICE, bob["id"]], CONFIG) == ["http://other.test/inbox"]


def test_inbox_hides_what_a_suspended_actor_wrote(db, origin):
    from services.inbox.reading import render_inbox_activity

    _cache_actor(person(), ALICE, CONFIG)
    note = {"id": "http://fr.test/objects/n1", "type": "Note", "attributedTo": ALICE,
            "content": "<p>Handover notes</p>", "to": [PUBLIC]}
    create = {"id": "http://fr.test/activities/c1", "type": "Create", "actor": ALICE, "object": note,
              "to": [PUBLIC]}
    boost = {"id": "http://other.test/activities/b1", "type": "Announce", "actor": "http://other.test/users/carl",
             "object": note["id"], "to": [PUBLIC]}
    for activity in (create, boost):
        InboundActivity(activity_id=activity["id"], raw=activity, activity_type=activity["type"]).save()
    ReceivedObject(object_id=note["id"], raw=note, attributed_to=ALICE).save()
    app = Flask(__name__)
    app.config["ARCHIPEL"] = CONFIG
    reader = f"{DE}/users/bob"

    def rendered() -> str:
        with app.app_context():
            return json.dumps([render_inbox_activity(create["id"], reader),
                               render_inbox_activity(boost["id"], reader)])

    assert rendered().count("Handover") == 2
    mark_suspended(ALICE)
    with app.app_context():
        assert render_inbox_activity(create["id"], reader)["object"] == {"id": note["id"], "type": "Tombstone"}
        assert render_inbox_activity(boost["id"], reader)["object"] == {"id": note["id"], "type": "Tombstone"}
    assert "Handover" not in rendered()
    CachedActor.objects(actor_id=ALICE).update_one(set__suspended=False)  # reactivated
    assert rendered().count("Handover") == 2
