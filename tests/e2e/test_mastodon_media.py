"""Media through a real Mastodon client library (Mastodon.py) across two nodes: alice@fr
(split) uploads a photo and posts it followers-only; bob@de (compact), her follower, sees
it in his home timeline with its media attachment and loads the image with a plain GET,
as an app does; berta@de and amelie@fr, who do not follow her, and anyone anonymous get
the 404 of a missing file, whichever URL they try."""

from __future__ import annotations

import io
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import wait_until
from tests.unit.test_media_processing import photo


@pytest.fixture(scope="module")
def people(group):
    fr, de = group["fr"], group["de"]
    return {"alice": password_app(fr, "alice"), "bob": password_app(de, "bob"),
            "berta": password_app(de, "berta")}


@pytest.fixture(scope="module")
def bob_follows_alice(group):
    fr, de = group["fr"], group["de"]
    de.follow_and_wait("bob", fr, "alice")


def test_a_followers_only_photo_reaches_the_follower_on_another_node(group, people, bob_follows_alice):
    fr, de = group["fr"], group["de"]
    alice, bob = people["alice"], people["bob"]
    assert de.actor("berta") not in fr.followers("alice"), "this test needs berta not following alice"
    media = alice.media_post(io.BytesIO(photo(2400, 1600)), mime_type="image/jpeg",
                             description="The new welding line", focus=(0.25, -0.5))
    assert media.type == "image" and media.meta.original.width == 1920 and media.blurhash
    tag = uuid.uuid4().hex[:8]
    posted = alice.status_post(f"Line 3 is running {tag}", media_ids=[media], visibility="private")
    [attached] = posted.media_attachments
    assert attached.id == media.id and attached.description == "The new welding line"

    def on_bobs_home():
        return next((s for s in bob.timeline_home(limit=40) if tag in s.content), None)

    wait_until(lambda: on_bobs_home() is not None, message="alice's post in bob's home on de")
    status = on_bobs_home()
    [shown] = status.media_attachments
    assert shown.type == "image" and shown.description == "The new welding line"
    assert shown.blurhash == media.blurhash and shown.meta.focus == {"x": 0.25, "y": -0.5}
    assert shown.url.startswith(de.base + "/media/remote/")  # shown through bob's node
    origin = shown.remote_url
    assert origin.startswith(fr.base + "/media/")

    # bob's app loads the image as apps do: a plain GET, no token
    image = requests.get(shown.url, timeout=30)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
    loaded = Image.open(io.BytesIO(image.content))
    assert loaded.size == (1920, 1280) and not loaded.getexif()

    # everyone else: the 404 of a missing file
    missing = requests.get(f"{fr.base}/media/1/original.jpg", timeout=30)
    assert missing.status_code == 404
    assert requests.get(origin, timeout=30).status_code == 404  # anonymous at the origin
    assert fr.api("GET", urlsplit(origin).path, "amelie").status_code == 404  # not a follower, on fr
    assert de.signed_fetch("berta", origin).status_code == 404  # de signing as berta, not a follower
    assert de.signed_fetch("bob", origin).status_code == 200  # as bob, a follower
    assert group["partner"].signed_fetch("paula", origin).status_code == 404  # outside the group
    proxied = urlsplit(shown.url)
    assert requests.get(de.base + proxied.path, timeout=30).status_code == 404  # without bob's capability
    assert requests.get(shown.url.replace("v=bob", "v=berta"), timeout=30).status_code == 404  # tampered
    as_berta = de.api("GET", proxied.path, "berta")  # her own token: she may not see the post
    assert as_berta.status_code == 404
    assert as_berta.json() == requests.get(f"{de.base}/media/1/original.jpg", timeout=30).json()


def test_a_public_photo_is_a_plain_url_anyone_may_load(group, people, bob_follows_alice):
    de = group["de"]
    alice, bob = people["alice"], people["bob"]
    media = alice.media_post(io.BytesIO(photo(800, 600)), mime_type="image/jpeg")
    tag = uuid.uuid4().hex[:8]
    alice.status_post(f"Open day {tag}", media_ids=[media], visibility="public")

    def on_bobs_home():
        return next((s for s in bob.timeline_home(limit=40) if tag in s.content), None)

    wait_until(lambda: on_bobs_home() is not None, message="alice's public post in bob's home on de")
    [shown] = on_bobs_home().media_attachments
    assert shown.url == shown.remote_url and "?" not in shown.url  # the origin's own URL
    assert requests.get(shown.url, timeout=30).status_code == 200  # anonymous
    assert group["partner"].signed_fetch("paula", shown.url).status_code == 200
    assert requests.get(shown.preview_url, timeout=30).status_code == 200
    assert de.api("GET", f"/api/v1/statuses/{on_bobs_home().id}", "berta").json()["media_attachments"][0]["url"] \
        == shown.url
