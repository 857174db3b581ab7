"""A user's archive of their data (``GET /api/archipel/archive``, real nodes fr/de).

alice@fr posts with every audience (one with a photo), belongs to a community, follows
bob@de and is followed by him, likes and bookmarks his followers-only post. Her archive
(a zip laid out as Mastodon's) holds every post she wrote, the photo's file, her follows
and her membership — and nothing of what bob wrote to his followers or to her alone.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import requests

from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import wait_until
from tests.unit.test_media_processing import photo

PATH = "/api/archipel/archive"


def test_alices_archive_has_all_she_wrote_and_nothing_private_of_anyone_else(group, request):
    fr, de = group["fr"], group["de"]
    alice, bob = password_app(fr, "alice"), password_app(de, "bob")
    tag = uuid.uuid4().hex[:8]
    community = fr.create_community("alice", name=f"Archive {tag}", slug=f"archive{tag}", openness="free")
    fr.follow_and_wait("alice", de, "bob")
    de.follow_and_wait("bob", fr, "alice")

    def unfollow():
        for client, who, other in ((fr, "alice", de.actor("bob")), (de, "bob", fr.actor("alice"))):
            follow = client.db.outbox_activities.find_one({"actor": client.actor(who), "activity_type": "Follow",
                                                           "raw.object": other}, sort=[("created_at", -1)])
            if follow:
                client.publish(who, {"type": "Undo", "object": follow["_id"]})

    request.addfinalizer(unfollow)

    media = alice.media_post(io.BytesIO(photo(64, 48)), mime_type="image/jpeg", description="Line 3")
    mine = {v: alice.status_post(f"alice {v} {tag}", visibility=v) for v in ("public", "unlisted")}
    mine["private"] = alice.status_post(f"alice private {tag}", visibility="private", media_ids=[media])
    mine["direct"] = alice.status_post(f"@bob@{de.host} alice direct {tag}", visibility="direct")
    theirs = {"private": bob.status_post(f"bob private {tag}", visibility="private"),
              "direct": bob.status_post(f"@alice@{fr.host} bob direct {tag}", visibility="direct")}

    def on_alices_home():
        texts = {s.content: s for s in alice.timeline_home(limit=40)}
        return all(any(f"bob {v} {tag}" in t for t in texts) for v in theirs) and texts

    home = wait_until(on_alices_home, message="bob's posts on alice's home")
    bobs_private = next(s for t, s in home.items() if f"bob private {tag}" in t)
    alice.status_favourite(bobs_private)
    alice.status_bookmark(bobs_private)
    # the Like is applied by the inbox after the API answers: wait until her favourites show it
    wait_until(lambda: bobs_private.uri in [s.uri for s in alice.favourites()], message="alice's like applied")

    token = alice.access_token
    resp = requests.get(f"{fr.base}{PATH}", headers={"Authorization": f"Bearer {token}"}, timeout=120)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "application/zip"
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="archipel-alice-')
    archive = zipfile.ZipFile(io.BytesIO(resp.content))
    names = set(archive.namelist())
    assert {"actor.json", "outbox.json", "likes.json", "bookmarks.json", "following.json", "followers.json",
            "memberships.json"} <= names

    def read(name):
        return json.loads(archive.read(name))

    assert read("actor.json")["id"] == fr.actor("alice") and read("actor.json")["type"] == "Person"
    outbox = read("outbox.json")
    assert outbox["type"] == "OrderedCollection"
    creates = {c["object"]["id"]: c for c in outbox["orderedItems"]}
    assert all(c["type"] == "Create" and c["actor"] == fr.actor("alice") for c in creates.values())
    for visibility, status in mine.items():
        assert status.uri in creates, visibility  # every audience, followers-only and direct too
        assert f"{visibility} {tag}" in creates[status.uri]["object"]["content"]
    [attachment] = creates[mine["private"].uri]["object"]["attachment"]
    assert attachment["url"].startswith(f"media_attachments/{media.id}.") and attachment["url"] in names
    assert archive.read(attachment["url"])[:3] == b"\xff\xd8\xff"  # the JPEG itself

    assert de.actor("bob") in read("following.json")["orderedItems"]
    assert de.actor("bob") in read("followers.json")["orderedItems"]
    [membership] = [m for m in read("memberships.json")["orderedItems"] if m["id"] == community["id"]]
    assert membership["membership"] == "member"
    assert bobs_private.uri in read("likes.json")["orderedItems"]
    assert bobs_private.uri in read("bookmarks.json")["orderedItems"]

    # nothing bob wrote to his followers or to alice alone: only the id of the post she liked
    everything = b"".join(archive.read(n) for n in names if n.endswith(".json")).decode()
    assert f"bob private {tag}" not in everything and f"bob direct {tag}" not in everything
    assert theirs["direct"].uri not in everything


def test_the_archive_needs_the_owners_whole_read_scope(group):
    fr = group["fr"]
    assert requests.get(f"{fr.base}{PATH}", timeout=30).status_code == 401
    app = fr.http.post(f"{fr.base}/api/v1/apps", data={"client_name": "narrow", "scopes": "read:statuses"}).json()
    grant = fr.http.post(f"{fr.base}/oauth/token", data={
        "grant_type": "password", "username": "alice", "password": fr.password, "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": "read:statuses"})
    narrow = requests.get(f"{fr.base}{PATH}", headers={"Authorization": f"Bearer {grant.json()['access_token']}"},
                          timeout=30)
    assert narrow.status_code == 403 and "error" in narrow.json()
