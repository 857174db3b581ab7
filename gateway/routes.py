"""Which internal service answers which public path."""

from __future__ import annotations

import re

# (method set or None for any, path pattern, service, needs an HTTP signature)
ROUTES: list[tuple[frozenset[str] | None, re.Pattern, str, bool]] = [
    (None, re.compile(r"^/\.well-known/(webfinger|host-meta|nodeinfo)$"), "identity", False),
    (None, re.compile(r"^/nodeinfo/2\.1$"), "identity", False),
    (None, re.compile(r"^/(api/v1/apps|oauth/(token|authorize|revoke)|login)$"), "identity", False),
    (frozenset({"POST"}), re.compile(r"^/(inbox|users/[^/]+/inbox|actor/inbox)$"), "inbox", True),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/users/[^/]+/(inbox|followers|following)$"), "inbox", False),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/(users/[^/]+|actor)$"), "identity", False),
    (None, re.compile(r"^/users/[^/]+/outbox$"), "outbox", False),
    (frozenset({"GET", "HEAD"}), re.compile(r"^/(objects|activities)/[A-Za-z0-9_-]+$"), "outbox", False),
    (frozenset({"POST"}), re.compile(r"^/proxy$"), "outbox", False),
    (None, re.compile(r"^/communities(/.*)?$"), "communities", False),
]


def route_for(method: str, path: str) -> tuple[str, bool] | None:
    for methods, pattern, service, signed in ROUTES:
        if (methods is None or method in methods) and pattern.match(path):
            return service, signed
    return None
