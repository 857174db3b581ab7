"""Which ids are this node's: every local id is under the node's base URL, a local
Person at ``{base}/users/<name>``, a local community at ``{base}/communities/<slug>``
(ids are built by fedkit.protocol.vocab). The one place that reads an id back this way.
"""

from __future__ import annotations

from typing import Any

USERS = "users"
COMMUNITIES = "communities"


def is_local(iri: Any, base_url: str) -> bool:
    """Is ``iri`` an id on this node (under ``base_url``)? Anything else (another host,
    a URL that only starts like the base URL, not a string) is not."""
    return isinstance(iri, str) and iri.startswith(base_url + "/")


def local_name(iri: Any, base_url: str, kind: str) -> str | None:
    """The first path segment after ``{base_url}/{kind}/`` (``alice`` of
    ``{base}/users/alice`` and of ``{base}/users/alice/outbox``; may be empty), or None
    when ``iri`` is not under it."""
    prefix = f"{base_url}/{kind}/"
    if not isinstance(iri, str) or not iri.startswith(prefix):
        return None
    return iri[len(prefix):].split("/", 1)[0]


def local_username(iri: Any, base_url: str) -> str | None:
    """The username of a local Person's id exactly (``{base}/users/alice``), None for
    anything else (its collections, a key id ``…#main-key``, another node's id)."""
    prefix = f"{base_url}/{USERS}/"
    if not isinstance(iri, str) or not iri.startswith(prefix):
        return None
    rest = iri[len(prefix):]
    return rest if rest and "/" not in rest and "#" not in rest else None


def local_community(iri: Any, base_url: str) -> str | None:
    """The slug of the local community an id is under (the Group, its followers, its
    inbox…; may be empty), or None when it is not under ``{base}/communities/``."""
    return local_name(iri, base_url, COMMUNITIES)
