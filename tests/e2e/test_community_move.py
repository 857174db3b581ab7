"""A moderator moves a reported community post to another community (issue 12's "move to
another community"), on real nodes: amelie@fr posts to a group-wide community that
berta@de belongs to; alain@fr reports it; fr's administrator (alice) moves it to a
community of fr's own node that alain belongs to. Then the post is in the target
community's posts and not the source's, alain still reads it, berta at de no longer can
(de got amelie's Update with the new addressing), amelie is warned with the reason,
alain told the outcome, and the move is in the moderation trail. (The refusal toward a
wider audience: tests/unit/test_community_move_inprocess.py.)"""

from __future__ import annotations

import pytest
from mastodon import MastodonNotFoundError

from tests.e2e.community_support import join_and_wait, post_to, unique
from tests.e2e.test_mastodon_statuses import password_app
from tests.e2e.test_moderation import moderator_app
from tests.plugin import wait_until


def shown_status(statuses, uri: str):
    """The status (or the community's reblog of it) with this uri."""
    for s in statuses:
        if s["uri"] == uri or (s.get("reblog") and s["reblog"]["uri"] == uri):
            return s["reblog"] if s.get("reblog") else s
    return None


def community_posts(client, slug: str, username: str) -> list[str]:
    resp = client.api("GET", f"/communities/{slug}/posts", username)
    assert resp.status_code == 200, resp.text
    return [p["id"] for p in resp.json()["orderedItems"]]


@pytest.fixture(scope="module")
def places(group):
    fr, de = group["fr"], group["de"]
    source = fr.create_community("alice", name="Questions", slug=unique("mv_src"), openness="free",
                                 visibility="group")
    target = fr.create_community("alice", name="Paris site", slug=unique("mv_dst"), openness="free",
                                 visibility="node")
    join_and_wait(fr, fr, "amelie", source)
    join_and_wait(fr, de, "berta", source)  # of the source only
    join_and_wait(fr, fr, "alain", target)  # of the target only
    yield source, target
    for slug in (source["slug"], target["slug"]):  # out of the listings other tests read
        fr.api("POST", f"/communities/{slug}/archive", "alice")


def test_a_moderator_moves_a_reported_post_to_another_community(group, places):
    fr, de = group["fr"], group["de"]
    source, target = places
    uri = post_to(fr, "amelie", source, "Who knows the Paris canteen hours?")["object"]["id"]
    berta, alain, amelie = password_app(de, "berta"), password_app(fr, "alain"), password_app(fr, "amelie")
    on_de = wait_until(lambda: shown_status(berta.timeline_home(limit=40), uri), message="the post at de, for berta")
    at_fr = wait_until(lambda: shown_status(alain.search_v2(uri, resolve=True)["statuses"], uri),
                       message="the post for alain at fr")
    report = alain.report(at_fr["account"]["id"], status_ids=[at_fr["id"]], comment="Paris only")

    alice = moderator_app(fr, "alice")
    moved = fr.http.post(f"{fr.base}/api/v1/admin/accounts/{at_fr['account']['id']}/action", data={
        "type": "move", "report_id": report["id"], "community": target["slug"],
        "text": "Moved to the Paris site community"}, headers={"Authorization": f"Bearer {alice.access_token}"})
    assert moved.status_code == 200, moved.text

    assert uri in community_posts(fr, target["slug"], "alain") and uri not in community_posts(fr, source["slug"], "amelie")
    assert alain.status(at_fr["id"])["uri"] == uri  # a member of the target reads it

    def gone_for_berta() -> bool:
        try:
            berta.status(on_de["id"])
        except MastodonNotFoundError:
            return True
        return False

    wait_until(gone_for_berta, message="de applying the move: berta, of the source only, no longer sees it")
    assert shown_status(berta.timeline_home(limit=40), uri) is None

    warned = wait_until(lambda: [n for n in amelie.notifications(limit=40) if n["type"] == "moderation_warning"],
                        message="amelie warned")
    assert warned[0]["moderation_warning"]["text"] == "Moved to the Paris site community"
    assert wait_until(lambda: [n for n in alain.notifications(limit=40) if n["type"] == "report_resolved"],
                      message="alain told the outcome")
    trail = fr.db.moderation_actions.find_one({"report": int(report["id"]), "action": "move_to_community"})
    assert trail["by"] == "alice" and trail["community"] == target["id"] and trail["status_uris"] == [uri]

