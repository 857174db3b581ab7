"""Bookmarks, read markers and the unread count (docs.joinmastodon.org/methods/bookmarks/,
/methods/markers/, /methods/notifications/#unread-count) through the node's gateway, in
process: private to each user, and never a status the policy hides."""

from __future__ import annotations

import pytest

from tests.unit.api_support import ApiUser, api_user

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
def people(node):
    users = {name: api_user(node, name) for name in ("alice", "bob", "carol")}
    node.follows(node.actor("carol"), node.actor("alice"))  # carol follows alice; bob does not
    return users


def _toot(user: ApiUser, text: str, visibility: str = "public") -> dict:
    resp = user.post("/api/v1/statuses", data={"status": text, "visibility": visibility})
    assert resp.status_code == 200, resp.text
    return resp.get_json()


def test_bookmarks_are_private_paged_and_only_of_what_one_sees(node, people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    first, second = _toot(alice, "first"), _toot(alice, "second")
    private = _toot(alice, "for my followers", "private")
    node.run()
    marked = carol.post(f"/api/v1/statuses/{first['id']}/bookmark")
    assert marked.status_code == 200 and marked.get_json()["bookmarked"] is True
    assert carol.post(f"/api/v1/statuses/{first['id']}/bookmark").status_code == 200  # again: the same
    for status in (second, private):
        assert carol.post(f"/api/v1/statuses/{status['id']}/bookmark").status_code == 200
    # bob may not see the followers-only post: 404, as for a missing one
    assert bob.post(f"/api/v1/statuses/{private['id']}/bookmark").status_code == 404
    assert bob.post("/api/v1/statuses/12345/bookmark").status_code == 404

    listed = carol.get("/api/v1/bookmarks")
    assert [s["id"] for s in listed.get_json()] == [private["id"], second["id"], first["id"]]
    assert all(s["bookmarked"] for s in listed.get_json())
    assert carol.get(f"/api/v1/statuses/{first['id']}").get_json()["bookmarked"] is True
    assert alice.get(f"/api/v1/statuses/{first['id']}").get_json()["bookmarked"] is False  # carol's own
    assert bob.get("/api/v1/bookmarks").get_json() == []
    # a timeline page reads the flags once for the page, each status its own
    stream = {s["id"]: s["bookmarked"] for s in carol.get("/api/v1/timelines/public").get_json()}
    assert stream.get(first["id"]) is True and stream.get(second["id"]) is True
    assert all(flag is False for sid, flag in stream.items() if sid not in (first["id"], second["id"], private["id"]))

    page = carol.get("/api/v1/bookmarks", query_string={"limit": 2})
    assert [s["id"] for s in page.get_json()] == [private["id"], second["id"]]
    next_url = page.headers["Link"].split(">")[0].lstrip("<")
    assert [s["id"] for s in carol.get(next_url.replace(node.base, "")).get_json()] == [first["id"]]
    assert carol.get("/api/v1/bookmarks", query_string={"max_id": "x"}).status_code == 400

    unmarked = carol.post(f"/api/v1/statuses/{second['id']}/unbookmark")
    assert unmarked.status_code == 200 and unmarked.get_json()["bookmarked"] is False
    assert [s["id"] for s in carol.get("/api/v1/bookmarks").get_json()] == [private["id"], first["id"]]
    # the scopes Mastodon asks
    assert ApiUser(node, "carol", scopes="read").post(f"/api/v1/statuses/{first['id']}/bookmark").status_code == 403


def test_markers_are_saved_versioned_and_private(node, people):
    alice, bob = people["alice"], people["bob"]
    assert alice.get("/api/v1/markers", query_string={"timeline[]": "home"}).get_json() == {}
    saved = alice.post("/api/v1/markers", data={"home[last_read_id]": "103"})
    assert saved.status_code == 200
    home = saved.get_json()["home"]
    assert (home["last_read_id"], home["version"]) == ("103", 1) and home["updated_at"].endswith("Z")
    again = alice.post("/api/v1/markers", json={"home": {"last_read_id": "104"},
                                                "notifications": {"last_read_id": "7"}})
    assert again.get_json()["home"]["version"] == 2 and again.get_json()["notifications"]["last_read_id"] == "7"
    both = alice.get("/api/v1/markers", query_string=[("timeline[]", "home"), ("timeline[]", "notifications")])
    assert list(both.get_json()) == ["home", "notifications"]
    assert alice.get("/api/v1/markers").get_json() == {}  # none asked: none given, as Mastodon
    assert bob.get("/api/v1/markers", query_string={"timeline[]": "home"}).get_json() == {}
    assert alice.post("/api/v1/markers", data={}).status_code == 400
    for bad in (["x"], True, "", "9" * 65, {"$ne": 1}):
        assert alice.post("/api/v1/markers", json={"home": {"last_read_id": bad}}).status_code == 422
    assert alice.post("/api/v1/markers", json={"home": "x"}).status_code == 400
    assert alice.post("/api/v1/markers", data="not json", content_type="application/json").status_code == 400


def test_unread_count_follows_the_notifications_marker(node, people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    post = _toot(alice, "ping")
    node.run()
    for user in (bob, carol):
        assert user.post(f"/api/v1/statuses/{post['id']}/favourite").status_code == 200
    node.run()
    assert alice.get("/api/v1/notifications/unread_count").get_json() == {"count": 2}
    newest = alice.get("/api/v1/notifications").get_json()
    assert len(newest) == 2
    alice.post("/api/v1/markers", data={"notifications[last_read_id]": newest[1]["id"]})
    assert alice.get("/api/v1/notifications/unread_count").get_json() == {"count": 1}
    assert alice.get("/api/v1/notifications/unread_count", query_string={"types[]": "mention"}).get_json() == \
        {"count": 0}
    assert alice.get("/api/v1/notifications/unread_count", query_string={"limit": "1"}).get_json() == {"count": 1}
    alice.post("/api/v1/markers", data={"notifications[last_read_id]": newest[0]["id"]})
    assert alice.get("/api/v1/notifications/unread_count").get_json() == {"count": 0}
    assert alice.get("/api/v1/notifications/unread_count", query_string={"limit": "x"}).status_code == 400


def test_account_statuses_only_media_keeps_those_with_attachments(node, people):
    post = _toot(people["alice"], "no picture here")
    node.run()
    account = post["account"]["id"]
    bob = people["bob"]
    assert [s["id"] for s in bob.get(f"/api/v1/accounts/{account}/statuses").get_json()] == [post["id"]]
    assert bob.get(f"/api/v1/accounts/{account}/statuses", query_string={"only_media": "true"}).get_json() == []


def test_favourites_list_what_one_liked_newest_first(node, people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    first, second, third = (_toot(alice, text) for text in ("one", "two", "three"))
    node.run()
    for status in (first, third, second):  # liked in this order
        assert carol.post(f"/api/v1/statuses/{status['id']}/favourite").status_code == 200
        node.run()
    listed = carol.get("/api/v1/favourites")
    assert listed.status_code == 200, listed.text
    assert [s["id"] for s in listed.get_json()] == [second["id"], third["id"], first["id"]]
    assert all(s["favourited"] for s in listed.get_json())
    page = carol.get("/api/v1/favourites", query_string={"limit": 2})
    assert [s["id"] for s in page.get_json()] == [second["id"], third["id"]]
    next_url = page.headers["Link"].split(">")[0].lstrip("<")
    assert [s["id"] for s in carol.get(next_url.replace(node.base, "")).get_json()] == [first["id"]]
    assert carol.post(f"/api/v1/statuses/{third['id']}/unfavourite").status_code == 200
    node.run()
    assert [s["id"] for s in carol.get("/api/v1/favourites").get_json()] == [second["id"], first["id"]]
    assert bob.get("/api/v1/favourites").get_json() == []  # one's own only
    assert carol.get("/api/v1/favourites", query_string={"max_id": "x"}).status_code == 400
    assert ApiUser(node, "carol", scopes="write").get("/api/v1/favourites").status_code == 403
