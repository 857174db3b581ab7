"""The Status entity field by field against Mastodon's documented shape
(docs.joinmastodon.org/entities/Status/), visibilities (Mastodon's four and Archipel's
group and node audiences), status ids, and the Note a new status becomes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.test_api_entities import ACCOUNT, assert_shape

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "activitypub"
BASE = "https://fr.archipel.example"
ALICE = "https://mastodon.example/users/alice"
AUDIENCES = {"group": "https://group.example/audiences/group", "node": f"{BASE}/audiences/node"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
OPTIONAL = (str, type(None))

# docs.joinmastodon.org/entities/Status/ — every attribute a Status has with its type;
# favourited…pinned are given to a signed-in requester (here always).
STATUS = {
    "id": str, "created_at": str, "in_reply_to_id": OPTIONAL, "in_reply_to_account_id": OPTIONAL,
    "sensitive": bool, "spoiler_text": str, "visibility": str, "language": OPTIONAL, "uri": str,
    "url": OPTIONAL, "replies_count": int, "reblogs_count": int, "favourites_count": int,
    "edited_at": OPTIONAL, "favourited": bool, "reblogged": bool, "muted": bool, "bookmarked": bool,
    "pinned": bool, "content": str, "filtered": list, "reblog": (dict, type(None)),
    "application": (dict, type(None)), "account": dict, "media_attachments": list, "mentions": list,
    "tags": list, "emojis": list, "card": (dict, type(None)), "poll": (dict, type(None)),
}
MENTION = {"id": str, "username": str, "url": str, "acct": str}
TAG = {"name": str, "url": str}


def audiences():
    from services.api.converter import Audiences

    return Audiences(**AUDIENCES)


def mastodon_note() -> dict:
    return json.loads((FIXTURES / "mastodon_create_note.json").read_text())["object"]


def account_entity(actor=ALICE, account_id="42"):
    from services.api.converter import account

    return account({"id": actor, "type": "Person", "preferredUsername": actor.rsplit("/", 1)[-1]},
                   account_id=account_id, base_url=BASE)


def test_remote_mastodon_note_as_status():
    from services.api.converter import StatusCounts, status

    bob = account_entity("https://gts.example/users/bob", "43")
    entity = status(mastodon_note(), status_id="113413731581959211", account=account_entity(),
                    visibility="public", base_url=BASE, mentioned={bob["uri"]: bob},
                    counts=StatusCounts(replies=2, reblogs=1, favourites=5))
    assert_shape(entity, STATUS)
    assert_shape(entity["account"], ACCOUNT)
    assert entity["id"] == "113413731581959211"
    assert entity["uri"] == "https://mastodon.example/users/alice/statuses/113413731581959211"
    assert entity["url"] == "https://mastodon.example/@alice/113413731581959211"  # the page, not the id
    assert entity["created_at"] == "2024-11-02T14:03:27.000Z" and ISO_MS.match(entity["created_at"])
    assert entity["in_reply_to_id"] is None and entity["in_reply_to_account_id"] is None
    assert entity["sensitive"] is False and entity["spoiler_text"] == ""
    assert entity["language"] == "en"
    assert entity["content"].startswith("<p>") and "Q1 roadmap" in entity["content"]
    assert (entity["replies_count"], entity["reblogs_count"], entity["favourites_count"]) == (2, 1, 5)
    assert entity["edited_at"] is None and entity["reblog"] is None and entity["poll"] is None
    assert entity["mentions"] == [{"id": "43", "username": "bob", "url": "https://gts.example/users/bob",
                                   "acct": "bob@gts.example"}]
    for mention in entity["mentions"]:
        assert_shape(mention, MENTION)
    assert entity["tags"] == [{"name": "archipel", "url": f"{BASE}/tags/archipel"}]
    for tag in entity["tags"]:
        assert_shape(tag, TAG)
    assert list(entity)[:3] == ["id", "created_at", "in_reply_to_id"]  # REST::StatusSerializer's order


def test_reply_spoiler_edit_and_hostile_fields():
    from services.api.converter import status

    note = {"id": f"{BASE}/objects/1", "type": "Note", "attributedTo": f"{BASE}/users/alice",
            "published": "2026-11-29T10:00:00.123456+00:00", "updated": "2026-11-29T11:00:00Z",
            "summary": "<p>CW: &amp; welding</p>", "content": '<p onclick="x()">hi<script>bad()</script></p>',
            "inReplyTo": f"{BASE}/objects/0", "tag": "not a list", "url": "javascript:alert(1)"}
    entity = status(note, status_id="9", account=account_entity(), visibility="private", base_url=BASE,
                    in_reply_to_id="8", in_reply_to_account_id="7")
    assert_shape(entity, STATUS)
    assert entity["created_at"] == "2026-11-29T10:00:00.123Z"
    assert entity["edited_at"] == "2026-11-29T11:00:00.000Z"
    assert (entity["in_reply_to_id"], entity["in_reply_to_account_id"]) == ("8", "7")
    assert entity["spoiler_text"] == "CW: & welding" and entity["sensitive"] is True  # a CW hides it
    assert "script" not in entity["content"] and "onclick" not in entity["content"]
    assert entity["url"] == f"{BASE}/objects/1"  # no usable url: the id
    assert entity["mentions"] == [] and entity["tags"] == [] and entity["language"] is None
    garbage = status({"id": "x", "published": "yesterday", "content": ["no"]}, status_id="1",
                     account=account_entity(), visibility="direct", base_url=BASE)
    assert garbage["created_at"] == "1970-01-01T00:00:00.000Z" and garbage["content"] == ""


def test_deleted_status_carries_its_source_text():
    from services.api.converter import status, with_source

    note = {"id": "x", "content": "<p>Hello &amp; bye</p><p>second</p>"}
    entity = with_source(status(note, status_id="1", account=account_entity(), visibility="public",
                                base_url=BASE), note)
    assert entity["text"] == "Hello & bye\n\nsecond"


@pytest.mark.parametrize(("to", "cc", "expected"), [
    ([PUBLIC], [f"{ALICE}/followers"], "public"),
    (["as:Public"], [], "public"),
    ([f"{ALICE}/followers"], [PUBLIC], "unlisted"),
    ([f"{ALICE}/followers"], [], "private"),
    ([f"{ALICE}/followers"], ["https://gts.example/users/bob"], "private"),
    (["https://gts.example/users/bob"], [], "direct"),
    ([], [], "direct"),
    ([AUDIENCES["group"]], [f"{ALICE}/followers"], "group"),
    ([AUDIENCES["node"]], [], "node"),
    ([AUDIENCES["node"], AUDIENCES["group"]], [], "node"),  # the narrower audience
    ([PUBLIC, AUDIENCES["group"]], [], "public"),
])
def test_visibility_of_addressing(to, cc, expected):
    from services.api.converter import visibility_of

    assert visibility_of({"to": to, "cc": cc}, ALICE, audiences()) == expected


def test_status_ids_are_stable_per_uri_and_ordered_by_publication(db):
    from services.api.ids import status_id, uri_of_status

    older = status_id("https://x.example/notes/1", "2024-01-01T00:00:00Z")
    newer = status_id("https://x.example/notes/2", "2025-01-01T00:00:00Z")
    assert older.isdigit() and int(older) < int(newer) < 2**63
    assert status_id("https://x.example/notes/1", "2030-01-01T00:00:00Z") == older  # allocated once
    assert uri_of_status(newer) == "https://x.example/notes/2"
    assert uri_of_status("12") is None and uri_of_status("../x") is None
    undated = status_id("https://x.example/notes/3", "not a date")
    assert int(undated) > int(newer)  # no date: the time of first sight


@pytest.mark.parametrize(("visibility", "to", "cc"), [
    ("public", [PUBLIC], [f"{BASE}/users/bob/followers"]),
    ("unlisted", [f"{BASE}/users/bob/followers"], [PUBLIC]),
    ("private", [f"{BASE}/users/bob/followers"], []),
    ("direct", [f"{BASE}/users/bob"], None),  # mentions nobody: stays with its author
    ("group", ["group"], []),
    ("node", ["node"], []),
])
def test_each_visibility_addresses_the_note(visibility, to, cc):
    from services.api.statuses import _addressing

    addressing = _addressing(visibility, f"{BASE}/users/bob", [])
    assert addressing.get("to") == to and addressing.get("cc") == cc
