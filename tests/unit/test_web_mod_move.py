"""The moderation queue's "move to another community" (services/web/mod_queue.py,
mod_move.py) against the real node in-process: the report's page offers it for a
community post, the confirmation lists the communities the moderator may move it to,
the move happens through the API (the post is then in the new community), and a move the
API refuses (a wider audience) is said in plain words."""

from __future__ import annotations

import pytest

from tests.unit.api_support import ApiUser
from tests.unit.web_support import page, sign_in, submit, web_node


@pytest.fixture
def web(node, monkeypatch):
    from services.identity.models import Account

    node = web_node(node, monkeypatch)
    for name in ("carl", "dora", "erin"):
        node.local_user(name)
    Account.objects(username="carl").update(set__roles=["moderator"])  # the node's moderator
    node.welding = node.community("welding", owner=node.actor("erin"), visibility="group",
                                  members=(node.actor("alice"), node.actor("bob")))
    node.forming = node.community("forming", owner=node.actor("erin"), visibility="node",
                                  members=(node.actor("dora"),))
    node.everyone = node.community("everyone", owner=node.actor("dora"), visibility="public")
    return node


def _report_about_a_welding_post(web) -> tuple[str, str]:
    from services.api.ids import status_id
    from services.inbox.report_models import Report

    uri = web.publish("alice", {"type": "Note", "content": "canteen hours?", "to": [web.welding]})["object"]["id"]
    web.run()
    bob = ApiUser(web, "bob")
    alice_id = ApiUser(web, "alice").get("/api/v1/accounts/verify_credentials").get_json()["id"]
    assert bob.post("/api/v1/reports", json={"account_id": alice_id, "status_ids": [status_id(uri)],
                                             "comment": "not welding"}).status_code == 200
    return str(Report.objects.get().number), uri


def test_a_node_moderator_moves_the_reported_post_from_the_queue(web):
    from services.communities.models import CommunityPost

    number, uri = _report_about_a_welding_post(web)
    carl = sign_in(web, "carl")
    report_page = page(carl, web, f"/web/admin/reports/{number}")
    assert f'href="/web/admin/reports/{number}/move"' in report_page.text
    confirm = page(carl, web, f"/web/admin/reports/{number}/move")
    assert confirm.status_code == 200 and "Move to another community?" in confirm.text
    assert '<select id="community" name="community" required>' in confirm.text
    assert 'value="forming"' in confirm.text and 'value="welding"' not in confirm.text  # not where it is
    missing = submit(carl, web, f"/web/admin/reports/{number}/move", confirm, community="", text="")
    assert missing.status_code == 422 and "Please choose the community" in missing.text
    wider = submit(carl, web, f"/web/admin/reports/{number}/move", confirm, community="everyone", text="")
    assert wider.status_code == 422 and "This report was not changed" in wider.text and "wider" in wider.text
    done = submit(carl, web, f"/web/admin/reports/{number}/move", confirm, community="forming",
                  text="The Paris site community answers this")
    assert done.status_code == 303 and done.headers["Location"] == "/web/admin/reports?notice=resolved"
    web.run()
    assert CommunityPost.objects(object_id=uri).get().community == "forming"
    warned = page(sign_in(web, "alice"), web, "/web/notifications").text
    assert "The Paris site community answers this" in warned


def test_a_community_moderator_is_offered_only_the_communities_they_moderate(web):
    number, _ = _report_about_a_welding_post(web)
    erin = sign_in(web, "erin")  # owns welding and forming, not everyone
    assert f'href="/web/admin/reports/{number}/move"' in page(erin, web, f"/web/admin/reports/{number}").text
    confirm = page(erin, web, f"/web/admin/reports/{number}/move")
    assert 'value="forming"' in confirm.text and 'value="everyone"' not in confirm.text
