"""Reports through the client API in-process (services/api/reports.py, admin_reports.py):
a user reports what they may see (404 for the rest), the node's moderators — and nobody
else — see the queue, act on a report (the post deleted by the author's own Delete, the
author warned, every step audited) and the reporter is told; a report about another
node's account leaves as a Flag of the instance actor, without the reporter's name."""

from __future__ import annotations

import pytest

from fedkit.protocol.vocab import PUBLIC
from services.identity.models import Account
from services.inbox.report_models import ModerationAction, Report
from services.outbox.models import LocalObject, OutboxActivity
from tests.inprocess import MEMBER
from tests.unit.api_support import api_user

ADMIN_SCOPES = "read write follow admin:read admin:write"
BOB = f"{MEMBER}/users/bob"


@pytest.fixture
def fr(node):
    node.alice = api_user(node, "alice")
    node.amelie = api_user(node, "amelie")
    node.alain = api_user(node, "alain", ADMIN_SCOPES)
    Account.objects(username="alain").update_one(set__roles=["moderator"])
    node.remote_actor(f"{MEMBER}/actor", actor_type="Application")
    node.bob = node.remote_actor(BOB)
    return node


def _status(user, text: str, visibility: str = "public") -> dict:
    resp = user.post("/api/v1/statuses", json={"status": text, "visibility": visibility})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    user.node.run()
    return resp.get_json()


def _report(user, **fields):
    return user.post("/api/v1/reports", json=fields)


def test_a_report_is_filed_as_mastodon_answers_it(fr):
    post = _status(fr.alice, "rude words")
    resp = _report(fr.amelie, account_id=post["account"]["id"], status_ids=[post["id"]], comment="rude",
                   category="other")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert (body["comment"], body["status_ids"], body["action_taken"], body["forwarded"]) == (
        "rude", [post["id"]], False, False)
    assert body["target_account"]["username"] == "alice"
    stored = Report.objects.get()
    assert (stored.reporter_username, stored.status_uris) == ("amelie", [post["uri"]])


def test_what_one_may_not_see_cannot_be_reported(fr):
    private = _status(fr.alice, "for my followers", "private")
    alice_id = private["account"]["id"]
    assert _report(fr.amelie, account_id=alice_id, status_ids=[private["id"]]).status_code == 404
    assert _report(fr.amelie, account_id="999999999").status_code == 404
    assert _report(fr.amelie, status_ids=[private["id"]]).status_code == 422  # no account_id
    assert _report(fr.amelie, account_id=alice_id, category="gossip").status_code == 422
    assert _report(fr.amelie, account_id=alice_id, comment="x" * 1001).status_code == 422
    # Another author's post under alice's name: not hers, so not found among her statuses.
    hers = _status(fr.amelie, "mine")
    assert _report(fr.alain, account_id=alice_id, status_ids=[hers["id"]]).status_code == 404
    assert Report.objects.count() == 0


def test_a_report_about_another_nodes_account_leaves_as_a_flag(fr):
    from services.api.ids import account_id

    bob_id = account_id(BOB)  # the id an app got for him (a search, a post of his)
    resp = _report(fr.amelie, account_id=bob_id, comment="spam from bob", category="spam")
    assert resp.status_code == 200 and resp.get_json()["forwarded"] is True
    flag = OutboxActivity.objects(activity_type="Flag").get()
    assert flag.actor == f"{fr.base}/actor" and flag.recipients == [BOB]
    assert flag.raw["object"] == [BOB] and flag.raw["content"] == "spam from bob"
    assert "amelie" not in str(flag.raw)  # the reporter is not named (Mastodon's Flag)
    fr.run()
    assert set(fr.deliveries(flag.activity_id)) == {f"{MEMBER}/inbox"}
    # Its id is no page anyone may read (the comment stays between the two nodes).
    path = flag.activity_id.removeprefix(fr.base)
    assert fr.gateway.get(path, base_url=fr.base, headers={"Accept": "application/activity+json"}).status_code == 404
    assert fr.amelie.get(path).status_code == 404


def test_only_moderators_see_the_queue(fr):
    post = _status(fr.alice, "hm")
    _report(fr.amelie, account_id=post["account"]["id"], status_ids=[post["id"]], comment="see this")
    assert fr.amelie.get("/api/v1/admin/reports").status_code == 403  # no admin scope
    stranger = api_user(fr, "albert", ADMIN_SCOPES)  # the scope without the role: nothing of it
    assert stranger.get("/api/v1/admin/reports").get_json() == []
    report_id = Report.objects.get().number
    assert stranger.get(f"/api/v1/admin/reports/{report_id}").status_code == 404
    assert stranger.post(f"/api/v1/admin/reports/{report_id}/resolve").status_code == 404
    assert stranger.post(f"/api/v1/admin/accounts/{post['account']['id']}/action",
                         json={"type": "none", "report_id": str(report_id)}).status_code == 403
    resp = fr.alain.get("/api/v1/admin/reports")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    [shown] = resp.get_json()
    assert shown["comment"] == "see this" and shown["account"]["username"] == "amelie"
    assert shown["target_account"]["username"] == "alice" and [s["id"] for s in shown["statuses"]] == [post["id"]]
    assert fr.alain.get(f"/api/v1/admin/reports/{shown['id']}").get_json()["id"] == shown["id"]
    assert fr.alain.get("/api/v1/admin/reports/12345").status_code == 404


def test_a_moderator_removes_the_post_warns_and_the_reporter_is_told(fr):
    post = _status(fr.alice, "remove me")
    report = _report(fr.amelie, account_id=post["account"]["id"], status_ids=[post["id"]],
                     comment="against the charter").get_json()
    mine = fr.alain.post(f"/api/v1/admin/reports/{report['id']}/assign_to_self").get_json()
    assert mine["assigned_account"]["username"] == "alain"
    resp = fr.alain.post(f"/api/v1/admin/accounts/{post['account']['id']}/action",
                         json={"type": "delete_statuses", "report_id": report["id"], "text": "Charter §3"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    fr.run()
    assert LocalObject.objects(object_id=post["uri"]).get().deleted  # by alice's own Delete
    assert fr.alice.get(f"/api/v1/statuses/{post['id']}").status_code == 404
    warned = fr.alice.get("/api/v1/notifications").get_json()
    [warning] = [n for n in warned if n["type"] == "moderation_warning"]
    assert warning["moderation_warning"]["text"] == "Charter §3"
    assert warning["moderation_warning"]["action"] == "delete_statuses"
    assert warning["account"]["username"] == "alice"  # from the recipient's own account, as Mastodon
    [told] = [n for n in fr.amelie.get("/api/v1/notifications").get_json() if n["type"] == "report_resolved"]
    assert told["report"]["action_taken"] is True and told["report"]["id"] == report["id"]
    trail = [(a.by, a.action, a.reason) for a in ModerationAction.objects.order_by("at")]
    assert trail == [("alain", "assign", ""), ("alain", "delete_statuses", "Charter §3")]
    assert fr.alain.get("/api/v1/admin/reports").get_json() == []  # resolved ones are not in the queue
    assert len(fr.alain.get("/api/v1/admin/reports", query_string={"resolved": "true"}).get_json()) == 1
    # Resolved is resolved: acting again needs a reopen (Mastodon's), itself in the trail.
    assert fr.alain.post(f"/api/v1/admin/reports/{report['id']}/resolve").status_code == 422
    reopened = fr.alain.post(f"/api/v1/admin/reports/{report['id']}/reopen").get_json()
    assert reopened["action_taken"] is False and len(fr.alain.get("/api/v1/admin/reports").get_json()) == 1
    assert ModerationAction.objects(action="reopen").get().by == "alain"


def test_unsupported_actions_are_refused_clearly(fr):
    post = _status(fr.alice, "x")
    report = _report(fr.amelie, account_id=post["account"]["id"], status_ids=[post["id"]]).get_json()
    url = f"/api/v1/admin/accounts/{post['account']['id']}/action"
    resp = fr.alain.post(url, json={"type": "suspend", "report_id": report["id"]})
    assert resp.status_code == 422 and "not available" in resp.get_json()["error"]
    assert fr.alain.post(url, json={"type": "none"}).status_code == 422  # no report
    assert fr.alain.post(url, json={"type": "none", "report_id": "777"}).status_code == 404
    assert not Report.objects.get().action_taken


def test_a_member_nodes_report_is_answered_to_that_node(fr):
    """Resolved without action: de's instance actor gets a Reject of its Flag."""
    from tests.unit.test_flag_inprocess import DE_NODE, _flag

    post = _status(fr.alice, "reported from de")
    resp = fr.deliver(_flag(9, DE_NODE, [fr.actor("alice"), post["uri"]], "from berta"),
                      by=fr.remote_actor(DE_NODE, actor_type="Application"))
    assert resp.status_code == 202
    fr.run()
    [shown] = fr.alain.get("/api/v1/admin/reports").get_json()
    assert shown["comment"] == "from berta" and shown["account"]["domain"] == MEMBER.split("//")[1]
    assert fr.alain.post(f"/api/v1/admin/reports/{shown['id']}/resolve").status_code == 200
    answer = OutboxActivity.objects(activity_type="Reject").get()
    assert answer.recipients == [DE_NODE] and answer.raw["object"] == {"id": f"{MEMBER}/flags/9", "type": "Flag"}
    assert PUBLIC not in str(answer.raw)


def test_a_communitys_moderators_handle_the_reports_about_its_posts(fr):
    """carla owns the community ``welding``: she sees the report about alice's post to it
    (not the other one), removes the post with the community's own tool and resolves it;
    the reporter hears that something was done."""
    carla = api_user(fr, "carla", ADMIN_SCOPES)
    welding = fr.community("welding", owner=fr.actor("carla"), members=(fr.actor("alice"), fr.actor("amelie")))
    created = fr.publish("alice", {"type": "Note", "content": "off topic", "to": [welding, PUBLIC]})
    fr.run()
    uri = created["object"]["id"]
    from services.api.ids import status_id

    in_community = _report(fr.amelie, account_id=_status(fr.alice, "elsewhere")["account"]["id"],
                           status_ids=[status_id(uri)], comment="off topic here").get_json()
    _report(fr.amelie, account_id=in_community["target_account"]["id"], comment="not about the community")
    assert Report.objects(number=int(in_community["id"])).get().communities == [welding]
    [shown] = carla.get("/api/v1/admin/reports").get_json()
    assert shown["id"] == in_community["id"]
    assert len(fr.alain.get("/api/v1/admin/reports").get_json()) == 2  # the node's moderator: both
    removed = carla.post("/communities/welding/posts/remove", json={"object": uri})
    assert removed.status_code == 200, removed.get_data(as_text=True)
    fr.run()
    assert carla.post(f"/api/v1/admin/reports/{shown['id']}/resolve").status_code == 200
    [told] = [n for n in fr.amelie.get("/api/v1/notifications").get_json() if n["type"] == "report_resolved"]
    assert told["report"]["id"] == in_community["id"]
    assert ModerationAction.objects(by="carla", action="none").count() == 1


def test_a_moderator_marks_the_reported_post_sensitive(fr):
    post = _status(fr.alice, "graphic")
    report = _report(fr.amelie, account_id=post["account"]["id"], status_ids=[post["id"]]).get_json()
    resp = fr.alain.post(f"/api/v1/admin/accounts/{post['account']['id']}/action",
                         json={"type": "sensitive", "report_id": report["id"]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    fr.run()
    assert fr.alice.get(f"/api/v1/statuses/{post['id']}").get_json()["sensitive"] is True
    [update] = [a for a in fr.sent_by(fr.actor("alice")) if a["type"] == "Update"]  # the edit path: federated
    assert update["object"]["sensitive"] is True
    [warning] = [n for n in fr.alice.get("/api/v1/notifications").get_json() if n["type"] == "moderation_warning"]
    assert warning["moderation_warning"]["action"] == "mark_statuses_as_sensitive"
    assert warning["moderation_warning"]["status_ids"] == [post["id"]]


def test_a_node_moderator_excludes_the_author_from_the_community(fr):
    from services.api.ids import status_id
    from services.communities.models import Membership

    welding = fr.community("welding", owner=fr.actor("carla"), members=(fr.actor("alice"),))
    uri = fr.publish("alice", {"type": "Note", "content": "spam", "to": [welding, PUBLIC]})["object"]["id"]
    fr.run()
    alice_id = _status(fr.alice, "x")["account"]["id"]
    report = _report(fr.amelie, account_id=alice_id, status_ids=[status_id(uri)]).get_json()
    url = f"/api/v1/admin/accounts/{alice_id}/action"
    resp = fr.alain.post(url, json={"type": "exclude", "report_id": report["id"], "text": "spamming welding"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    fr.run()
    assert Membership.objects(community="welding", actor=fr.actor("alice")).get().state == "banned"
    assert ModerationAction.objects(action="exclude").get().reason == "spamming welding"
    # a report naming no post to a community here: nothing to exclude from
    other = _report(fr.amelie, account_id=alice_id).get_json()
    assert fr.alain.post(url, json={"type": "exclude", "report_id": other["id"]}).status_code == 422


@pytest.mark.parametrize("body", [
    {"account_id": ["1"]}, {"account_id": 12}, {"account_id": "1", "status_ids": {"a": 1}},
    {"account_id": "1", "comment": ["x"]}, {"account_id": "1", "category": {"x": 1}},
    {"account_id": "1", "rule_ids": 5, "forward": {"x": 1}}, {"account_id": "x" * 5000},
])
def test_odd_report_parameters_get_a_4xx(fr, body):
    post = _status(fr.alice, "y")
    body = {**body, "account_id": post["account"]["id"]} if body.get("account_id") == "1" else body
    resp = _report(fr.amelie, **body)
    assert 400 <= resp.status_code < 500, resp.get_data(as_text=True)


@pytest.mark.parametrize("body", [
    {"type": ["none"]}, {"type": {"a": 1}, "report_id": "1"}, {"type": "none", "report_id": ["1"]},
    {"type": "none", "report_id": {"a": 1}}, {"type": "none", "text": ["x"], "report_id": "1"},
    {"type": "none", "report_id": "99999999999999999999999999"},
])
def test_odd_action_parameters_get_a_4xx(fr, body):
    post = _status(fr.alice, "z")
    resp = fr.alain.post(f"/api/v1/admin/accounts/{post['account']['id']}/action", json=body)
    assert 400 <= resp.status_code < 500, resp.get_data(as_text=True)
    for path in ("/api/v1/admin/reports/%00", "/api/v1/admin/reports/-1", "/api/v1/admin/reports/" + "9" * 40):
        assert fr.alain.get(path).status_code == 404
    assert fr.alain.get("/api/v1/admin/reports", query_string={"max_id": "abc"}).status_code == 400
