"""The one builder of ordered collections and their pages (fedkit/protocol/paging.py)."""

from __future__ import annotations

import pytest

from fedkit.protocol.paging import ordered_collection, ordered_collection_page, page_url

C = "https://fr.example/users/alice/outbox"


@pytest.mark.parametrize("cursor,expected", [
    (None, f"{C}?page=true"),
    ("https://fr.example/activities/9", f"{C}?page=true&max=https://fr.example/activities/9"),
    (42, f"{C}?page=true&max=42"),
    (0, f"{C}?page=true&max=0"),  # a numeric cursor of 0 is a cursor
])
def test_page_url(cursor, expected):
    assert page_url(C, cursor) == expected


@pytest.mark.parametrize("kwargs,expected", [
    # the outbox: a first page, no count
    ({"paged": True}, {"id": C, "type": "OrderedCollection", "first": f"{C}?page=true"}),
    # followers/following/inbox: a count and a first page
    ({"total": 3, "paged": True},
     {"id": C, "type": "OrderedCollection", "totalItems": 3, "first": f"{C}?page=true"}),
    # a community's members: every item inline
    ({"total": 2, "items": ["a", "b"]},
     {"id": C, "type": "OrderedCollection", "totalItems": 2, "orderedItems": ["a", "b"]}),
    ({"total": 0, "items": []}, {"id": C, "type": "OrderedCollection", "totalItems": 0, "orderedItems": []}),
])
def test_ordered_collection(kwargs, expected):
    built = ordered_collection(C, **kwargs)
    assert built == expected and list(built) == list(expected)


@pytest.mark.parametrize("kwargs,expected", [
    ({}, {"id": f"{C}?page=true", "type": "OrderedCollectionPage", "partOf": C, "orderedItems": ["x"]}),
    ({"total": 7, "next_cursor": 5},
     {"id": f"{C}?page=true", "type": "OrderedCollectionPage", "partOf": C, "totalItems": 7,
      "orderedItems": ["x"], "next": f"{C}?page=true&max=5"}),
    ({"next_cursor": "https://fr.example/activities/1"},
     {"id": f"{C}?page=true", "type": "OrderedCollectionPage", "partOf": C, "orderedItems": ["x"],
      "next": f"{C}?page=true&max=https://fr.example/activities/1"}),
])
def test_ordered_collection_page(kwargs, expected):
    built = ordered_collection_page(f"{C}?page=true", C, ["x"], **kwargs)
    assert built == expected and list(built) == list(expected)
