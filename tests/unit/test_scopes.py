"""The OAuth scope rule (Mastodon's "OAuth Scopes" page) and the scope each outbox
activity needs."""

from __future__ import annotations

import pytest

from fedkit.rules.scopes import KNOWN, activity_scope, grants
from fedkit.runtime.internal import Requester

# (scopes the token holds, scope an action needs, allowed?)
RULE = [
    ("write", "write:statuses", True),
    ("write", "write:favourites", True),
    ("write", "read:statuses", False),
    ("write:statuses", "write:statuses", True),
    ("write:favourites", "write:statuses", False),  # a granular scope grants no sibling
    ("write:favourites", "write", False),  # ...nor its family
    ("read write:favourites", "write:statuses", False),
    ("read:notifications", "read:statuses", False),
    ("read:notifications", "read", False),
    ("read", "read:notifications", True),
    ("read", "read:statuses", True),
    ("follow", "write:follows", True),
    ("follow", "read:follows", True),
    ("follow", "write:blocks", True),
    ("follow", "write:mutes", True),
    ("follow", "read:blocks", True),
    ("follow", "write:statuses", False),
    ("follow", "write:favourites", False),
    ("push", "write:statuses", False),
    ("profile", "read:accounts", False),
    ("admin:read", "admin:read:accounts", True),
    ("admin:read", "admin:write:accounts", False),
    ("read", "admin:read:accounts", False),
    ("", "read:statuses", False),
    ("write:statusesx", "write:statuses", False),
    ("writes", "write:statuses", False),
]


@pytest.mark.parametrize("held, needed, allowed", RULE)
def test_scope_rule(held, needed, allowed):
    assert grants(held.split(), needed) is allowed
    assert Requester(signer=None, user="alice", scopes=frozenset(held.split())).has_scope(needed) is allowed


@pytest.mark.parametrize("activity, extra, needed", [
    ("Create", {}, "write:statuses"),
    ("Update", {}, "write:statuses"),
    ("Update", {"updates_profile": True}, "write:accounts"),
    ("Delete", {}, "write:statuses"),
    ("Announce", {}, "write:statuses"),  # Mastodon: a reblog is write:statuses
    ("Like", {}, "write:favourites"),
    ("Follow", {}, "write:follows"),
    ("Accept", {}, "write:follows"),
    ("Reject", {}, "write:follows"),
    ("Block", {}, "write:blocks"),
    ("Flag", {}, "write:reports"),
    ("Undo", {"undone_type": "Like"}, "write:favourites"),
    ("Undo", {"undone_type": "Follow"}, "write:follows"),
    ("Undo", {"undone_type": "Announce"}, "write:statuses"),
    ("Undo", {"undone_type": "Block"}, "write:blocks"),
    ("Undo", {}, "write"),  # nothing of the user's to undo: only the whole write scope
    ("Move", {}, "write"),
    (None, {}, "write"),
])
def test_activity_scope(activity, extra, needed):
    assert activity_scope(activity, **extra) == needed


def test_every_needed_scope_is_a_known_scope():
    for activity in ("Create", "Like", "Follow", "Block", "Flag", "Accept"):
        assert activity_scope(activity) in KNOWN
