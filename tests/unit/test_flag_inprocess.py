"""Flag (services/inbox/handlers/flag.py) in-process: another server's report reaches this
node signed by its instance actor, through the gateway and the inbox's acceptance, and
is filed for the moderators — or refused with its reason kept; from outside the group a
Flag files nothing that tells its sender whether a post it cannot see exists. Also the
outcome of a report sent from here (Accept/Reject of our Flag), only from where it went."""

from __future__ import annotations

import pytest

from fedkit.protocol.vocab import PUBLIC
from services.inbox.models import InboundActivity, Notification
from services.inbox.report_models import Report
from tests.inprocess import MEMBER, OUTSIDE

DE_NODE = f"{MEMBER}/actor"  # the member node's instance actor (the registry's default)
PARTNER_NODE = f"{OUTSIDE}/actor"


@pytest.fixture
def fr(node):
    node.local_user("alice")
    node.de = node.remote_actor(DE_NODE, actor_type="Application")
    node.partner = node.remote_actor(PARTNER_NODE, actor_type="Application")
    return node


def _post(node, audience: list[str], text: str = "a post") -> str:
    created = node.publish("alice", {"type": "Note", "content": text, "to": audience})
    node.run()
    return created["object"]["id"]


def _flag(n: int, sender: str, objects, comment: str = "not acceptable") -> dict:
    origin = sender.rsplit("/", 1)[0]
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{origin}/flags/{n}", "type": "Flag",
            "actor": sender, "content": comment, "object": objects}


def _delivered(node, activity: dict, by) -> InboundActivity:
    resp = node.deliver(activity, by=by)
    assert resp.status_code == 202, resp.get_data(as_text=True)
    node.run()
    return InboundActivity.objects(activity_id=activity["id"]).get()


def test_a_member_nodes_flag_is_filed_with_its_comment(fr):
    post = _post(fr, [PUBLIC])
    stored = _delivered(fr, _flag(1, DE_NODE, [fr.actor("alice"), post], "insulting"), fr.de)
    assert stored.state == "processed"
    report = Report.objects.get()
    assert (report.reporter, report.target, report.status_uris, report.comment) == (
        DE_NODE, fr.actor("alice"), [post], "insulting")
    assert report.reporter_username is None and not report.action_taken


def test_a_member_nodes_word_is_taken_for_a_post_its_user_saw(fr):
    """A followers-only post: de's instance actor cannot see it, de's user could."""
    post = _post(fr, [fr.actor("alice") + "/followers"])
    _delivered(fr, _flag(2, DE_NODE, [fr.actor("alice"), post]), fr.de)
    assert Report.objects.get().status_uris == [post]


@pytest.mark.parametrize("objects, reason", [
    (["http://elsewhere.test/users/zed"], "flag_names_nothing_here"),  # nothing of this node
    ([f"{'http://fr.test'}/users/nobody"], "flag_names_nothing_here"),  # no such account here
    ([], "flag_names_nothing_here"),  # nothing at all
    ("not a list of ids", "flag_names_nothing_here"),
])
def test_a_flag_naming_nothing_here_is_refused_with_its_reason(fr, objects, reason):
    stored = _delivered(fr, _flag(3, DE_NODE, objects), fr.de)
    assert stored.state == "ignored" and stored.error.startswith(reason)
    assert Report.objects.count() == 0


def test_a_flag_about_posts_only_names_their_author(fr):
    post = _post(fr, [PUBLIC])
    _delivered(fr, _flag(4, DE_NODE, [post]), fr.de)
    report = Report.objects.get()
    assert (report.target, report.status_uris) == (fr.actor("alice"), [post])


def test_a_flag_from_outside_keeps_only_what_its_sender_may_see(fr):
    """A group-only post and an unknown one are dropped alike: the filed report (and
    anything said back) is the same whether the hidden post exists or not."""
    public = _post(fr, [PUBLIC], "public")
    hidden = _post(fr, [fr.actor("alice") + "/followers"], "followers only")
    missing = f"{fr.base}/objects/does-not-exist"
    _delivered(fr, _flag(5, PARTNER_NODE, [fr.actor("alice"), public, hidden]), fr.partner)
    _delivered(fr, _flag(6, PARTNER_NODE, [fr.actor("alice"), public, missing]), fr.partner)
    first, second = Report.objects.order_by("number")
    assert first.status_uris == second.status_uris == [public]
    assert first.reporter == PARTNER_NODE
    # nothing goes back to the sender (the public post itself went to the member node's stream)
    assert not [inbox for inbox in fr.deliveries() if inbox.startswith(OUTSIDE)]


def test_a_flag_about_someone_elses_post_keeps_only_the_targets_posts(fr):
    fr.local_user("amelie")
    hers = fr.publish("amelie", {"type": "Note", "content": "x", "to": [PUBLIC]})["object"]["id"]
    fr.run()
    _delivered(fr, _flag(7, DE_NODE, [fr.actor("alice"), hers]), fr.de)
    report = Report.objects.get()
    assert (report.target, report.status_uris) == (fr.actor("alice"), [])


def test_a_repeated_flag_is_filed_once(fr):
    flag = _flag(8, DE_NODE, [fr.actor("alice")])
    _delivered(fr, flag, fr.de)
    fr.deliver(flag, by=fr.de)
    fr.run()
    assert Report.objects.count() == 1


def test_the_outcome_of_our_report_only_from_the_node_it_went_to(fr):
    from services.inbox.report_models import Report as R

    fr.local_user("alain")
    R(number=1, uri=f"{fr.base}/activities/ours", reporter=fr.actor("alain"), reporter_username="alain",
      target=f"{MEMBER}/users/bob", forwarded_to=[f"{MEMBER}/users/bob"]).save()
    answer = {"id": f"{OUTSIDE}/answers/1", "type": "Accept", "actor": PARTNER_NODE,
              "object": {"id": f"{fr.base}/activities/ours", "type": "Flag"}}
    stored = _delivered(fr, answer, fr.partner)
    assert stored.state == "ignored" and stored.error.startswith("flag_outcome_not_from_a_member_node")
    unknown = {**answer, "id": f"{MEMBER}/answers/0", "actor": DE_NODE,
               "object": {"id": f"{fr.base}/activities/other", "type": "Flag"}}
    assert _delivered(fr, unknown, fr.de).error.startswith("flag_outcome_unknown")
    assert not Notification.objects(username="alain")
    accepted = {**answer, "id": f"{MEMBER}/answers/2", "actor": DE_NODE}
    assert _delivered(fr, accepted, fr.de).state == "processed"
    report = R.objects.get()
    assert (report.action_taken, report.outcome, report.action_taken_by) == (True, "acted", DE_NODE)
    told = Notification.objects(username="alain").get()
    assert told.type == "report_resolved" and told.extra["report"]["action_taken"] is True


def test_a_flag_about_another_servers_post_to_a_community_here_is_for_its_moderators(fr):
    """bob@de posted to fr's community: a Flag naming his post is filed for the community's
    moderators (FEP-1b12); from outside the group only if the post is public."""
    from services.inbox.models import ReceivedObject

    bob = f"{MEMBER}/users/bob"
    welding = fr.community("welding", owner=fr.actor("alice"), members=(bob,))
    for n, audience in ((1, [welding]), (2, [welding, PUBLIC])):
        ReceivedObject(object_id=f"{MEMBER}/objects/{n}", attributed_to=bob,
                       raw={"id": f"{MEMBER}/objects/{n}", "type": "Note", "attributedTo": bob, "to": audience}).save()
    _delivered(fr, _flag(10, DE_NODE, [bob, f"{MEMBER}/objects/1"]), fr.de)
    report = Report.objects.get()
    assert (report.target, report.status_uris, report.communities) == (bob, [f"{MEMBER}/objects/1"], [welding])
    hidden = _delivered(fr, _flag(11, PARTNER_NODE, [f"{MEMBER}/objects/1"]), fr.partner)
    assert hidden.state == "ignored" and hidden.error.startswith("flag_names_nothing_here")
    _delivered(fr, _flag(12, PARTNER_NODE, [f"{MEMBER}/objects/2"]), fr.partner)
    assert Report.objects(reporter=PARTNER_NODE).get().status_uris == [f"{MEMBER}/objects/2"]
