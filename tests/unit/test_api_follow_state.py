"""The inbox's follow state as the client API pages it (services/inbox/internal_api.py):
Mastodon's max_id / since_id / min_id semantics on the follow relations, counts and
relationships, against the real embedded database."""

from __future__ import annotations

import pytest

from fedkit.runtime.config import Config

SECRET = "s" * 20
BOB = "https://de.example/users/bob"
FOLLOWERS = [f"https://fr.example/users/u{n}" for n in range(5)]  # u0 followed first


@pytest.fixture
def inbox(infra, db):
    from services.inbox.app import create_app
    from services.inbox.models import FollowRelation

    app = create_app(Config(mongodb_uri=infra.mongodb_uri, db_name=db, internal_secret=SECRET, dev_mode=True),
                     broker=object())  # no queue is touched by these endpoints
    for follower in FOLLOWERS:
        FollowRelation(follower=follower, followee=BOB, state="accepted").save()
    FollowRelation(follower="https://fr.example/users/pending", followee=BOB, state="pending").save()
    FollowRelation(follower=BOB, followee=FOLLOWERS[0], state="pending",
                   follow_activity_id="https://de.example/activities/f1").save()
    client = app.test_client()

    def get(path, **params):
        resp = client.get(path, query_string=params, headers={"X-Archipel-Internal": SECRET})
        return resp.status_code, resp.get_json()

    return get


def page(get, **params):
    status, body = get("/internal/follows", actor=BOB, which="followers", **params)
    assert status == 200, body
    return [item["actor"].rsplit("/", 1)[1] for item in body["items"]], [item["cursor"] for item in body["items"]]


def test_pages_newest_first_with_every_cursor(inbox):
    names, cursors = page(inbox, limit=2)
    assert names == ["u4", "u3"]  # accepted only, newest first
    assert page(inbox, limit=2, max_id=cursors[-1])[0] == ["u2", "u1"]  # older than
    everything, all_cursors = page(inbox)
    assert everything == ["u4", "u3", "u2", "u1", "u0"]
    # since_id: the newest ones above the cursor; min_id: the ones just above it. Both newest first.
    assert page(inbox, limit=2, since_id=all_cursors[-1])[0] == ["u4", "u3"]
    assert page(inbox, limit=2, min_id=all_cursors[-1])[0] == ["u2", "u1"]
    assert page(inbox, max_id=all_cursors[0], since_id=all_cursors[-1])[0] == ["u3", "u2", "u1"]


def test_following_and_bad_cursors(inbox):
    status, body = inbox("/internal/follows", actor=FOLLOWERS[0], which="following")
    assert status == 200 and [i["actor"] for i in body["items"]] == [BOB]
    assert inbox("/internal/follows", actor=BOB, which="followers", max_id="nope")[0] == 400
    assert inbox("/internal/follows", actor=BOB, which="blocks")[0] == 400
    assert inbox("/internal/follows", actor=BOB, which="followers", limit="x")[0] == 400


def test_counts_and_relationships(inbox):
    assert inbox("/internal/follows/counts", actor=BOB) == (200, {"followers": 5, "following": 0,
                                                                  "follow_requests": 1})
    status, body = inbox("/internal/relationships", actor=BOB, other=[FOLLOWERS[0], FOLLOWERS[1], "x"])
    assert status == 200
    # follow_id: the Follow an unfollow undoes (POST /api/v1/accounts/:id/unfollow).
    assert body[FOLLOWERS[0]] == {"following": "pending", "followed_by": "accepted",
                                  "follow_id": "https://de.example/activities/f1", "notifying": False}
    assert body[FOLLOWERS[1]] == {"following": None, "followed_by": "accepted", "follow_id": None,
                                  "notifying": False}
    assert body["x"] == {"following": None, "followed_by": None, "follow_id": None, "notifying": False}
