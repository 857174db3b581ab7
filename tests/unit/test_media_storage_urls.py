"""The media store's keys (no way out of its folder) and the capability URLs
(services/api/media_urls.py): bound to the path, the viewer and an expiry, stable for a while."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from fedkit.runtime.config import Config
from services.api import media_urls
from services.api.media_storage import DiskStore

CONFIG = Config(base_url="https://fr.example", internal_secret="s" * 32, media_url_seconds=3600)


def test_disk_store_round_trip(tmp_path):
    store = DiskStore(tmp_path)
    store.put("123/original", b"bytes", "image/jpeg")
    assert store.get("123/original") == b"bytes" and store.get("123/small") is None
    store.delete("123/original")
    assert store.get("123/original") is None
    store.delete("123/original")  # already gone: nothing to do


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "", "a//b", ".hidden", "a/b/c/d/e"])
def test_disk_store_refuses_keys_that_are_no_plain_relative_path(tmp_path, key):
    with pytest.raises(ValueError):
        DiskStore(tmp_path / "media").put(key, b"x", "text/plain")


def args_of(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_a_capability_names_its_viewer_for_its_path_until_it_expires():
    path = media_urls.file_path("42", "original", "jpg")
    url = media_urls.with_capability(CONFIG, path, "alice", now=1_000_000)
    assert url.startswith("https://fr.example/media/42/original.jpg?v=alice&e=")
    args = args_of(url)
    assert media_urls.capability_viewer(CONFIG, path, args, now=1_000_000) == "alice"
    expiry = int(args["e"])
    assert 1_000_000 + 3600 < expiry <= 1_000_000 + 3600 + 900  # the ttl, rounded up to a quarter of it
    assert media_urls.capability_viewer(CONFIG, path, args, now=expiry + 1) is None  # expired
    assert media_urls.capability_viewer(CONFIG, "/media/43/original.jpg", args, now=1_000_000) is None
    assert media_urls.capability_viewer(CONFIG, path, {**args, "v": "bob"}, now=1_000_000) is None
    assert media_urls.capability_viewer(CONFIG, path, {**args, "e": str(expiry + 900)}, now=1_000_000) is None
    other_node = Config(base_url="https://fr.example", internal_secret="t" * 32)
    assert media_urls.capability_viewer(other_node, path, args, now=1_000_000) is None
    assert media_urls.capability_viewer(CONFIG, path, {}, now=1_000_000) is None


def test_a_url_stays_the_same_for_a_while_so_app_caches_hit():
    path = media_urls.file_path("42", "small", "jpg")
    first = media_urls.with_capability(CONFIG, path, "alice", now=1_000_800)
    assert media_urls.with_capability(CONFIG, path, "alice", now=1_001_699) == first  # one step: 900 s from 1_000_800
    assert media_urls.with_capability(CONFIG, path, "alice", now=1_001_700) != first
