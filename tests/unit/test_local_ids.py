"""Which ids are this node's (fedkit/protocol/local_ids.py), and the community checks built on it
(fedkit/rules/community_facts.py)."""

from __future__ import annotations

import pytest

from fedkit.protocol.local_ids import (
    COMMUNITIES,
    USERS,
    is_local,
    local_community,
    local_name,
    local_username,
)
from fedkit.rules.community_facts import community_slugs_named, local_community_of
from fedkit.runtime.config import Config

B = "https://fr.example"


@pytest.mark.parametrize("iri,expected", [
    (f"{B}/users/alice", True),
    (f"{B}/communities/c/followers", True),
    (f"{B}/", True),
    (B, False),  # the base URL itself is no object's id
    ("https://fr.example.evil/users/alice", False),  # starts like the base URL, another host
    ("https://fr.examplex/users/alice", False),
    ("https://de.example/users/alice", False),
    ("http://fr.example/users/alice", False),  # another scheme: another origin
    ("", False), (None, False), (42, False), ({"id": f"{B}/users/alice"}, False),
])
def test_is_local(iri, expected):
    assert is_local(iri, B) is expected


@pytest.mark.parametrize("iri,kind,expected", [
    (f"{B}/users/alice", USERS, "alice"),
    (f"{B}/users/alice/outbox", USERS, "alice"),
    (f"{B}/users/", USERS, ""),  # under it, with an empty name: callers treat "" as no one
    (f"{B}/communities/c/followers", COMMUNITIES, "c"),
    (f"{B}/communities/c", USERS, None),
    ("https://de.example/users/alice", USERS, None),
    (None, USERS, None),
])
def test_local_name(iri, kind, expected):
    assert local_name(iri, B, kind) == expected


@pytest.mark.parametrize("iri,expected", [
    (f"{B}/users/alice", "alice"),
    (f"{B}/users/alice/followers", None),  # a collection, not the Person
    (f"{B}/users/alice#main-key", None),  # a key id
    (f"{B}/users/", None),
    (f"{B}/communities/alice", None),
    ("https://de.example/users/alice", None),
    (None, None),
])
def test_local_username(iri, expected):
    assert local_username(iri, B) == expected


@pytest.mark.parametrize("iri,expected", [
    (f"{B}/communities/c", "c"),
    (f"{B}/communities/c/inbox", "c"),
    (f"{B}/users/c", None),
    ("https://de.example/communities/c", None),
])
def test_local_community(iri, expected):
    assert local_community(iri, B) == expected


@pytest.fixture
def config():
    return Config(base_url=B)


@pytest.mark.parametrize("addressee,expected", [
    (f"{B}/communities/c", f"{B}/communities/c"),
    (f"{B}/communities/c/followers", f"{B}/communities/c"),  # its audience: the community
    (f"{B}/communities/c/inbox", None),
    (f"{B}/communities/c/", None),
    (f"{B}/communities/", None),
    (f"{B}/users/c", None),
    ("https://de.example/communities/c", None),
])
def test_local_community_of(addressee, expected, config):
    assert local_community_of(addressee, config) == expected


def test_community_slugs_named(config):
    activity = {"type": "Undo", "to": [f"{B}/communities/a/followers"], "cc": ["https://de.example/communities/x"],
                "object": {"type": "Follow", "actor": f"{B}/users/u", "object": f"{B}/communities/b"}}
    assert community_slugs_named(activity, [f"{B}/communities/c/inbox"], config) == {"a", "b", "c"}
