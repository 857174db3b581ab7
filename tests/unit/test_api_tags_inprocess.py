"""Following tags and the group's trending tags through the node's gateway, in process
(services/api/tags.py, services/inbox/followed_tags.py, services/inbox/tags_api.py)."""

from __future__ import annotations

import pytest

from tests.inprocess import MEMBER
from tests.unit.api_support import api_user

GROUP_AUDIENCE = "urn:archipel:group:unit"  # tests/inprocess.py's registry
BOB = f"{MEMBER}/users/bob"


def tagged_note(n: int, *tags: str, author: str = BOB, to=(GROUP_AUDIENCE,)) -> dict:
    obj = {"id": f"{MEMBER}/objects/t{n}", "type": "Note", "attributedTo": author, "to": list(to),
           "content": f"post {n} " + " ".join(f"#{t}" for t in tags),
           "tag": [{"type": "Hashtag", "name": f"#{t}", "href": f"{MEMBER}/tags/{t}"} for t in tags]}
    return {"id": f"{MEMBER}/activities/t{n}", "type": "Create", "actor": author, "to": list(to), "object": obj}


def deliver(node, by, activity: dict) -> None:
    assert node.deliver(activity, by=by).status_code == 202
    node.run()


@pytest.fixture
def alice(node):
    node.bob = node.remote_actor(BOB)
    return api_user(node, "alice")


def test_a_followed_tag_brings_new_group_posts_home_never_old_or_followers_only_ones(node, alice):
    deliver(node, node.bob, tagged_note(1, "welding"))  # before the follow: not backfilled
    followed = alice.post("/api/v1/tags/Welding/follow")
    assert followed.status_code == 200, followed.text
    assert followed.get_json()["name"] == "welding" and followed.get_json()["following"] is True
    deliver(node, node.bob, tagged_note(2, "welding"))
    deliver(node, node.bob, tagged_note(3, "welding", to=(f"{BOB}/followers",)))  # followers-only
    deliver(node, node.bob, tagged_note(4, "knitting"))
    assert node.inbox_of("alice") == [f"{MEMBER}/activities/t2"]
    home = alice.get("/api/v1/timelines/home").get_json()
    assert [s["uri"] for s in home] == [f"{MEMBER}/objects/t2"]


def test_followed_tags_are_listed_paged_and_unfollowed(node, alice):
    for name in ("welding", "brazing", "soldering"):
        assert alice.post(f"/api/v1/tags/{name}/follow").status_code == 200
    alice.post("/api/v1/tags/welding/follow")  # again: no second entry
    first = alice.get("/api/v1/followed_tags", query_string={"limit": 2})
    assert [t["name"] for t in first.get_json()] == ["soldering", "brazing"]
    assert all(t["following"] for t in first.get_json())
    assert 'rel="next"' in first.headers["Link"]
    next_url = first.headers["Link"].split(">")[0].lstrip("<")
    rest = alice.get(next_url.replace(node.base, ""))
    assert [t["name"] for t in rest.get_json()] == ["welding"]
    unfollowed = alice.post("/api/v1/tags/welding/unfollow")
    assert unfollowed.get_json()["following"] is False
    assert [t["name"] for t in alice.get("/api/v1/followed_tags").get_json()] == ["soldering", "brazing"]
    assert alice.get("/api/v1/tags/welding").get_json()["following"] is False
    assert alice.get("/api/v1/tags/brazing").get_json()["following"] is True


def test_following_needs_a_token_with_the_scope_and_a_hashtag_name(node, alice):
    assert node.gateway.post("/api/v1/tags/welding/follow", base_url=node.base).status_code == 401
    assert alice.post("/api/v1/tags/1234/follow").status_code == 404
    assert alice.get("/api/v1/followed_tags", query_string={"max_id": "nope"}).status_code == 400


def test_trends_rank_by_accounts_and_count_only_what_the_group_may_see(node, alice):
    others = [node.remote_actor(f"{MEMBER}/users/p{i}") for i in range(3)]
    for i, actor in enumerate(others):
        deliver(node, actor, tagged_note(10 + i, "welding", author=actor.id))
    for n in range(5):  # one account, many uses
        deliver(node, node.bob, tagged_note(20 + n, "solo"))
    for n in range(5):  # followers-only: never counted
        deliver(node, node.bob, tagged_note(30 + n, "secret", to=(f"{BOB}/followers",)))
    trends = node.gateway.get("/api/v1/trends/tags", base_url=node.base).get_json()  # no token: public posts only
    assert trends == []
    trends = alice.get("/api/v1/trends/tags").get_json()
    assert [t["name"] for t in trends] == ["welding", "solo"]
    assert trends[0]["history"][0]["accounts"] == "3" and trends[1]["history"][0]["uses"] == "5"
    assert len(trends[0]["history"]) == 7
    tag = alice.get("/api/v1/tags/solo").get_json()
    assert tag["history"][0] == {**tag["history"][0], "uses": "5", "accounts": "1"}
    assert alice.get("/api/v1/trends/tags", query_string={"limit": "x"}).status_code == 400
