"""A moderator moves a reported community post to another community of the node, in-process
(services/api/moderation.py's ``move``, services/communities/moving.py,
services/outbox/moving.py): the post is now addressed to the new community — its members
see it, a member of the old one only does not — the new Group announces it, the old
Group's members elsewhere get the author's Update (hidden), the author is warned with the
reason, the reporter told, and the trail has it. Toward a wider audience: refused."""

from __future__ import annotations

import pytest

from services.api.ids import status_id
from services.communities.models import CommunityPost
from services.identity.models import Account
from services.inbox.report_models import ModerationAction
from services.outbox.models import LocalObject
from tests.inprocess import MEMBER
from tests.unit.api_support import api_user

ADMIN_SCOPES = "read write follow admin:read admin:write"
BOB = f"{MEMBER}/users/bob"


@pytest.fixture
def fr(node):
    for name in ("alice", "amelie", "berit"):
        setattr(node, name, api_user(node, name))
    node.alain = api_user(node, "alain", ADMIN_SCOPES)
    Account.objects(username="alain").update_one(set__roles=["moderator"])
    node.bob = node.remote_actor(BOB)
    # The node's welding community; forming is hidden (its members only): narrower, so a
    # moderator may move welding's posts there.
    node.welding = node.community("welding", owner=node.actor("carla"), visibility="node",
                                  members=(node.actor("alice"), node.actor("amelie"), BOB))
    node.forming = node.community("forming", owner=node.actor("carla"), visibility="members",
                                  members=(node.actor("berit"),))
    return node


def _reported_post(fr, text="wrong place") -> tuple[str, dict]:
    uri = fr.publish("alice", {"type": "Note", "content": text, "to": [fr.welding]})["object"]["id"]
    fr.run()
    sid = status_id(uri)
    assert fr.amelie.get(f"/api/v1/statuses/{sid}").status_code == 200
    alice_id = fr.alice.get("/api/v1/accounts/verify_credentials").get_json()["id"]
    report = fr.amelie.post("/api/v1/reports", json={"account_id": alice_id, "status_ids": [sid],
                                                     "comment": "not about welding"}).get_json()
    return uri, {"alice_id": alice_id, "report": report["id"], "sid": sid}


def _move(user, facts, community, text="belongs in forming"):
    return user.post(f"/api/v1/admin/accounts/{facts['alice_id']}/action",
                     json={"type": "move", "report_id": facts["report"], "community": community, "text": text})


def test_a_node_moderator_moves_the_post_to_another_community(fr):
    uri, facts = _reported_post(fr)
    resp = _move(fr.alain, facts, "forming")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    fr.run()
    sid = facts["sid"]
    assert fr.berit.get(f"/api/v1/statuses/{sid}").status_code == 200  # a member of the new community
    assert fr.amelie.get(f"/api/v1/statuses/{sid}").status_code == 404  # of the old one only: no more
    assert CommunityPost.objects(object_id=uri).get().community == "forming"
    stored = LocalObject.objects(object_id=uri).get()
    assert fr.forming in stored.addressees and fr.welding not in stored.addressees
    assert "updated" not in stored.raw  # not an edit
    [update] = [a for a in fr.sent_by(fr.actor("alice")) if a["type"] == "Update"]
    assert fr.forming in update["to"] and "bcc" not in update.get("object", {})
    assert any(BOB.split("/users/")[0] in inbox for inbox in fr.deliveries(update["id"]))  # the old members elsewhere
    announced = [a for a in fr.sent_by(fr.forming) if a["type"] == "Announce"]
    assert announced and announced[-1]["object"]["object"]["id"] == uri
    assert [a["type"] for a in fr.sent_by(fr.welding)][-1] == "Undo"
    [warning] = [n for n in fr.alice.get("/api/v1/notifications").get_json() if n["type"] == "moderation_warning"]
    assert warning["moderation_warning"]["action"] == "move_to_community"
    assert warning["moderation_warning"]["text"] == "belongs in forming"
    assert [n for n in fr.amelie.get("/api/v1/notifications").get_json() if n["type"] == "report_resolved"]
    action = ModerationAction.objects(action="move_to_community").get()
    assert (action.by, action.community, action.status_uris) == ("alain", fr.forming, [uri])


def test_a_move_to_a_wider_audience_is_refused_and_changes_nothing(fr):
    fr.community("everyone", owner=fr.actor("carla"), visibility="group")
    uri, facts = _reported_post(fr)
    resp = _move(fr.alain, facts, "everyone")  # the whole group reads it, not only this node
    assert resp.status_code == 422 and "wider audience" in resp.get_json()["error"]
    assert CommunityPost.objects(object_id=uri).get().community == "welding"
    assert fr.welding in LocalObject.objects(object_id=uri).get().addressees
    assert not ModerationAction.objects(action="move_to_community")
    assert _move(fr.alain, facts, "nowhere").status_code == 422
    assert _move(fr.alain, facts, None).status_code == 422


def test_a_community_moderator_moves_only_between_communities_they_moderate(fr):
    from services.communities.models import Membership

    uri, facts = _reported_post(fr)
    carla = api_user(fr, "carla", ADMIN_SCOPES)  # owns both
    colette = api_user(fr, "colette", ADMIN_SCOPES)
    Membership(community="welding", actor=fr.actor("colette"), role="moderator", state="member").save()
    assert _move(colette, facts, "forming").status_code == 403  # welding's moderator, not forming's
    assert _move(fr.amelie, facts, "forming").status_code == 403
    assert CommunityPost.objects(object_id=uri).get().community == "welding"
    resp = _move(carla, facts, "forming")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert CommunityPost.objects(object_id=uri).get().community == "forming"
