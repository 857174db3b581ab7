"""Round-trip every recorded ActivityPub payload through the vocabulary converter.

Each ``tests/fixtures/activitypub/*.json`` file is a payload shaped like what a
real server (Mastodon, GoToSocial, Pleroma/Akkoma, Misskey) sends. Parsing and
storing one must lose no field: the stored copy read back from the database has to
be exactly the JSON that came in, and the routing fields (type, id, actor id,
object id) have to match the raw payload. New fixture files are picked up
automatically; test_fixture_payloads.py runs each through its handler.

``fedkit.protocol.vocab`` is imported inside the tests, not at module level, so that a
missing or broken converter fails these tests one by one instead of aborting
collection of the whole suite.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "activitypub"
FIXTURES = sorted(FIXTURE_DIR.glob("*.json"))

# Activity types of the ActivityStreams 2.0 vocabulary, plus the extension
# activity types servers in the wild send (Pleroma/Akkoma/Misskey reactions,
# Mastodon account moves, GoToSocial interaction requests).
ACTIVITY_TYPES = frozenset(
    {
        # https://www.w3.org/TR/activitystreams-vocabulary/#activity-types
        "Accept",
        "Add",
        "Announce",
        "Arrive",
        "Block",
        "Create",
        "Delete",
        "Dislike",
        "Flag",
        "Follow",
        "Ignore",
        "Invite",
        "Join",
        "Leave",
        "Like",
        "Listen",
        "Move",
        "Offer",
        "Question",
        "Read",
        "Reject",
        "Remove",
        "TentativeAccept",
        "TentativeReject",
        "Travel",
        "Undo",
        "Update",
        "View",
        # extensions
        "EmojiReact",
        "LikeRequest",
        "ReplyRequest",
        "AnnounceRequest",
        "QuoteRequest",
    }
)


def _fixture_id(path: Path) -> str:
    return path.stem


def _load(path: Path) -> tuple[bytes, dict]:
    raw_bytes = path.read_bytes()
    return raw_bytes, json.loads(raw_bytes)


def _is_activity(raw: dict) -> bool:
    # Activities carry a top-level ``actor``; plain objects (Person, Note, ...) do not.
    return "actor" in raw


def _expected_id(value: object) -> str | None:
    """An AS2 reference is either the id string or an embedded object with an ``id``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("id")
    return None


def _parse(raw_bytes: bytes):
    from fedkit.protocol.vocab import parse_document

    return parse_document(raw_bytes)


def test_fixture_directory_is_populated():
    assert FIXTURES, f"no *.json fixtures found in {FIXTURE_DIR}"


@pytest.mark.parametrize("path", FIXTURES, ids=_fixture_id)
def test_fixture_is_a_well_formed_document(path: Path):
    """Guard the fixtures themselves: a JSON object with a type, an id and a context."""
    _, raw = _load(path)
    assert isinstance(raw, dict)
    assert isinstance(raw.get("type"), str) and raw["type"]
    assert isinstance(raw.get("id"), str) and raw["id"].startswith("https://")
    assert "@context" in raw
    if _is_activity(raw):
        actor_id = _expected_id(raw["actor"])
        assert actor_id, "activity without an actor id"
        # Servers mint activity ids on their own host.
        assert urlsplit(raw["id"]).netloc == urlsplit(actor_id).netloc


@pytest.mark.parametrize("path", FIXTURES, ids=_fixture_id)
def test_parse_and_store_lose_no_field(path: Path, db):
    """What the node keeps is what came: the parsed document, stored as the inbox stores a
    delivery and read back from the database (what its handler gets), equals the payload
    read independently (``json.loads``), every nested field included. (The document keeps
    its input whole, so comparing it with itself proved nothing: the store is where a
    field can be lost — BSON refuses keys with ``$`` or ``.`` — and so can a parser.)"""
    from services.inbox.models import InboundActivity

    raw_bytes, raw = _load(path)
    doc = _parse(raw_bytes)
    InboundActivity(activity_id=doc.id, raw=doc.to_json(), activity_type=doc.type).save(force_insert=True)
    stored = InboundActivity.objects(activity_id=raw["id"]).get().raw
    assert _leaves(stored) == _leaves(raw)
    assert stored == raw


def _leaves(value, path: str = "") -> dict[str, object]:
    """Every scalar of a JSON document by its path: a lost or changed field is named."""
    if isinstance(value, dict):
        return {k: v for key, child in value.items() for k, v in _leaves(child, f"{path}/{key}").items()} or \
            {path: {}}
    if isinstance(value, list):
        return {k: v for i, child in enumerate(value) for k, v in _leaves(child, f"{path}/{i}").items()} or \
            {path: []}
    return {path: value}


@pytest.mark.parametrize("path", FIXTURES, ids=_fixture_id)
def test_parse_keeps_type_and_id(path: Path):
    raw_bytes, raw = _load(path)
    doc = _parse(raw_bytes)
    assert doc.type == raw["type"]
    assert doc.id == raw["id"]


@pytest.mark.parametrize("path", FIXTURES, ids=_fixture_id)
def test_parse_resolves_actor_and_object_ids(path: Path):
    raw_bytes, raw = _load(path)
    doc = _parse(raw_bytes)
    if _is_activity(raw):
        assert doc.actor_id == _expected_id(raw["actor"])
        assert doc.object_id == _expected_id(raw.get("object"))
    else:
        assert doc.actor_id is None
        assert doc.object_id is None


@pytest.mark.parametrize("path", FIXTURES, ids=_fixture_id)
def test_activity_fixtures_have_known_activity_type(path: Path):
    _, raw = _load(path)
    if _is_activity(raw):
        assert raw["type"] in ACTIVITY_TYPES
    else:
        assert raw["type"] not in ACTIVITY_TYPES
