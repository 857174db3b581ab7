"""The one Tombstone builder (fedkit/protocol/tombstone.py)."""

from __future__ import annotations

import pytest

from fedkit.protocol.tombstone import tombstone

NOTE_ID = "https://fr.example/objects/1"


@pytest.mark.parametrize("args,expected", [
    # a removal by a community (outbox internal API), a closed account's actor (410)
    ((NOTE_ID, "Note"), {"id": NOTE_ID, "type": "Tombstone", "formerType": "Note"}),
    # a deletion by its author: when, too (inbox objects, publisher)
    ((NOTE_ID, "Note", "2026-03-01T08:05:09Z"),
     {"id": NOTE_ID, "type": "Tombstone", "formerType": "Note", "deleted": "2026-03-01T08:05:09Z"}),
    # what a Group's Delete carries, what stands for a withheld post: the id only
    ((NOTE_ID,), {"id": NOTE_ID, "type": "Tombstone"}),
    # a reference that had no id
    ((None,), {"type": "Tombstone"}),
    # an unknown former type is left out, not written as null
    ((NOTE_ID, None, "2026-03-01T08:05:09Z"), {"id": NOTE_ID, "type": "Tombstone", "deleted": "2026-03-01T08:05:09Z"}),
])
def test_tombstone(args, expected):
    built = tombstone(*args)
    assert built == expected
    assert list(built) == list(expected)  # id first, as every copy wrote it
