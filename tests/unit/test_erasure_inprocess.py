"""Erasure on request (services/identity/erasure.py), in process: a legal hold refuses it and
changes nothing; otherwise each service erases its share (fedkit/contracts/erasure.py), the
trails keep the pseudonym, the account's Delete goes to the member nodes from the instance
actor; a run stopped midway is finished by the next; a member node applies that Delete."""

from __future__ import annotations

import io

import pytest
import requests

from fedkit.contracts import erasure as contract
from fedkit.contracts.search import SearchClient
from fedkit.protocol.vocab import PUBLIC, instance_actor_id
from services.api.media_models import MediaUpload
from services.api.media_storage import store_for
from services.identity import erasure, legal_hold, lifecycle
from tests.inprocess import MEMBER
from tests.unit.api_support import ApiUser, api_user
from tests.unit.test_full_text_search import found
from tests.unit.test_media_processing import photo


@pytest.fixture
def zoe(node):
    """zoe@fr: follows and is followed by a member node's berta, posted, belongs to a community,
    bookmarked, has a token and a charter acceptance."""
    from fedkit.runtime import clock
    from services.api.personal_models import Bookmark
    from services.identity.charter_acceptance import CharterAcceptance
    from services.identity.models import OAuthToken
    from services.inbox.models import Notification

    actor = node.local_user("zoe")
    node.local_user("alice")
    berta = node.remote_actor(f"{MEMBER}/users/berta")
    node.follows(actor, berta.id)
    node.follows(berta.id, actor)
    post = node.publish("zoe", {"type": "Note", "content": "Press 4", "to": [PUBLIC]})
    node.run()
    node.community("welding", owner=node.actor("alice"), members=(actor,))
    Bookmark(user="zoe", uri=post["object"]["id"], number=1).save()
    uploaded = ApiUser(node, "zoe").post("/api/v2/media", data={"file": (io.BytesIO(photo()), "p.jpg")},
                                         content_type="multipart/form-data")
    assert uploaded.status_code in (200, 202), uploaded.text
    OAuthToken(access_token_hash="h-zoe", client_id="c", username="zoe").save()
    CharterAcceptance(username="zoe", version="v1", accepted_at=clock.now()).save()
    Notification(username="zoe", seq=1, type="follow", actor=berta.id, activity_id="http://de.test/a/1").save()
    return {"actor": actor, "post": post["object"]["id"], "berta": berta, "media": uploaded.get_json()["id"]}


def test_a_legal_hold_refuses_the_erasure_and_nothing_changes(node, zoe):
    from services.identity.models import Account
    from services.outbox.models import LocalObject

    legal_hold.place("zoe", reason="Litigation 17", by="admin:alice")
    with pytest.raises(erasure.Held) as held:
        erasure.erase(node.config, "zoe", by="admin:alice", reason="asked", internal=node.internal)
    assert held.value.hold.reason == "Litigation 17"
    assert Account.objects(username="zoe").get().suspended is False
    assert LocalObject.objects(object_id=zoe["post"]).get().deleted is False
    assert erasure.Erasure.objects.count() == 0
    assert legal_hold.lift("zoe", by="admin:alice") is True and legal_hold.lift("zoe", by="admin:alice") is False
    assert [c.action for c in legal_hold.LegalHoldChange.objects(username="zoe").order_by("at")] == ["place", "lift"]


def test_erasure_removes_each_share_keeps_trails_under_the_pseudonym_and_tells_the_group(node, zoe):
    from services.api.personal_models import Bookmark
    from services.communities.models import Membership
    from services.identity.charter_acceptance import CharterAcceptance
    from services.identity.lifecycle import AccountChange
    from services.identity.models import Account, OAuthToken
    from services.inbox.models import FollowRelation, Notification, ReceivedObject
    from services.outbox.models import LocalObject, OutboxActivity

    assert store_for(node.config).get(f"{zoe['media']}/original")  # there before
    record = erasure.erase(node.config, "zoe", by="admin:alice", reason="asked", internal=node.internal)
    pseudonym = record.pseudonym
    assert pseudonym == erasure.pseudonym_of(node.config, "zoe") and "zoe" not in pseudonym
    assert set(record.steps) == set(erasure.STEPS) - {erasure.AUDIT_TRAIL}
    account = Account.objects(username="zoe").get()
    assert account.suspended and account.erased_at and account.display_name == "" and account.subject == pseudonym
    assert LocalObject.objects(object_id=zoe["post"]).get().deleted is True
    assert OutboxActivity.objects(actor=zoe["actor"], activity_type="Create").count() == 0
    assert ReceivedObject.objects(object_id=zoe["post"]).get().deleted is True
    assert FollowRelation.objects(follower=zoe["actor"]).count() == 0
    assert FollowRelation.objects(followee=zoe["actor"]).count() == 0
    assert Membership.objects(actor=zoe["actor"]).count() == 0
    assert Bookmark.objects(user="zoe").count() == 0 and Notification.objects(username="zoe").count() == 0
    assert MediaUpload.objects(owner="zoe").count() == 0
    files = store_for(node.config)
    assert files.get(f"{zoe['media']}/original") is None and files.get(f"{zoe['media']}/small") is None
    assert OAuthToken.objects(username="zoe").count() == 0
    assert CharterAcceptance.objects(username="zoe").count() == 0
    assert CharterAcceptance.objects(username=pseudonym).count() == 1
    assert AccountChange.objects(username=pseudonym, action=lifecycle.DEACTIVATE).count() == 1
    # the member node is told by this node's instance actor
    [delete] = node.sent_by(instance_actor_id(node.base))
    assert (delete["type"], delete["object"]) == ("Delete", zoe["actor"])
    # again: nothing more to do, the same record
    again = erasure.erase(node.config, "zoe", by="admin:bob", reason="again", internal=node.internal)
    assert (again.pseudonym, again.by, again.reason) == (pseudonym, "admin:alice", "asked")
    assert len(node.sent_by(instance_actor_id(node.base))) == 1


def test_a_run_stopped_midway_is_finished_by_the_next(node, zoe, monkeypatch):
    from services.communities.models import Membership
    from services.outbox.models import LocalObject

    real = contract.ErasureClient.erase_share

    def communities_down(self, service, username, pseudonym):
        if service == "communities":
            raise requests.ConnectionError("communities is down")
        return real(self, service, username, pseudonym)

    monkeypatch.setattr(contract.ErasureClient, "erase_share", communities_down)
    with pytest.raises(requests.ConnectionError):
        erasure.erase(node.config, "zoe", by="admin:alice", reason="asked", internal=node.internal)
    record = erasure.Erasure.objects.get()
    assert {"close", "outbox", "api"} <= set(record.steps) and "communities" not in record.steps
    assert record.username == "zoe"  # what a resumed run needs
    assert LocalObject.objects(object_id=zoe["post"]).get().deleted is True
    assert Membership.objects(actor=zoe["actor"]).count() == 1

    monkeypatch.setattr(contract.ErasureClient, "erase_share", real)
    record = erasure.erase(node.config, "zoe", by="admin:alice", reason="asked", internal=node.internal)
    assert set(record.steps) == set(erasure.STEPS) - {erasure.AUDIT_TRAIL}
    assert Membership.objects(actor=zoe["actor"]).count() == 0


def test_a_member_node_applies_the_erasure_of_one_of_its_actors(node):
    """de's instance actor deletes de's carla: here her posts become Tombstones, her follows go,
    her key resolves no more; the same Delete from anyone else is ignored."""
    from fedkit.protocol.actors import CachedActor
    from services.communities.models import Membership
    from services.inbox.models import FollowRelation

    bob = api_user(node, "bob")
    carla = node.remote_actor(f"{MEMBER}/users/carla")
    instance = node.remote_actor(f"{MEMBER}/actor", actor_type="Application")
    mallory = node.remote_actor("http://partner.test/users/mallory")
    node.follows(node.actor("bob"), carla.id)
    node.community("welding", owner=node.actor("bob"), members=(carla.id,))
    note = {"id": f"{MEMBER}/objects/n1", "type": "Note", "attributedTo": carla.id, "content": "Press 4 calibration",
            "to": [PUBLIC]}
    assert node.deliver({"id": f"{MEMBER}/activities/c1", "type": "Create", "actor": carla.id, "object": note,
                         "to": [PUBLIC]}, by=carla).status_code == 202
    node.run()
    assert node.received(note["id"])["type"] == "Note"
    node.index()
    assert found(bob, "calibration") == [note["id"]]

    forged = {"id": "http://partner.test/activities/d1", "type": "Delete", "actor": mallory.id,
              "object": carla.id, "to": [PUBLIC]}
    assert node.deliver(forged, by=mallory).status_code == 202
    node.run()
    assert node.outcome(forged["id"]) == "ignored" and node.received(note["id"])["type"] == "Note"

    erase = {"id": f"{MEMBER}/activities/erased-1-group", "type": "Delete", "actor": instance.id,
             "object": carla.id, "to": [PUBLIC]}
    assert node.deliver(erase, by=instance).status_code == 202
    node.run()
    assert node.outcome(erase["id"]) == "processed"
    assert node.received(note["id"])["type"] == "Tombstone"
    assert FollowRelation.objects(followee=carla.id).count() == 0
    assert Membership.objects(actor=carla.id).count() == 0
    assert CachedActor.objects(actor_id=carla.id).get().suspended is True
    node.index()
    assert found(bob, "calibration") == []
    # out of the search index itself, not only hidden from readers
    assert SearchClient(node.internal).posts("calibration", audience=[PUBLIC]) == []


def test_the_erased_accounts_own_delete_still_goes_out_and_nothing_else_of_it(node, zoe):
    """Outside the group, the account's Delete is signed by the account itself (closed by then):
    the delivery worker sends that one, as it sends a closure's Update, and nothing else."""
    from services.outbox import delivery

    outsider = node.remote_actor("http://partner.test/users/paula")
    node.follows(outsider.id, zoe["actor"])
    record = erasure.erase(node.config, "zoe", by="admin:alice", reason="asked", internal=node.internal)
    assert record.others == [outsider.id]
    [own] = [a for a in node.sent_by(zoe["actor"]) if a["type"] == "Delete"]
    assert own["object"] == zoe["actor"]
    delivery._closed_memo.clear()
    assert delivery._signer_closed(zoe["actor"], own, node.config) is False
    create = {"type": "Create", "actor": zoe["actor"], "object": {"id": zoe["post"]}}
    assert delivery._signer_closed(zoe["actor"], create, node.config) is True
