"""The node's people directory: its open accounts as a reader may see them, filtered.

A reader inside the group (a member node's signature, a local user) sees each person's
directory parts and declared skills; anyone else sees only the parts the node's
``ARCHIPEL_PROFILE_PUBLIC_FIELDS`` lets out (fedkit/rules/profile_view.py), and may filter
only on those: a filter on a hidden part is refused, so it cannot probe hidden values
(asking for department=Welding and counting the answers would tell who works there).
Closed accounts (closed by the node or deleted by the directory) are never listed.

Matching is done in Python over the accounts (SecantusDB answers no regex on indexed
fields, DESIGN.md's known gaps); the full-text engine replaces it later.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from fedkit.protocol.vocab import local_actor_id
from fedkit.rules.profile_view import DECLARED, SEARCHABLE
from services.identity.directory_profile import declared_fields, directory_fields
from services.identity.models import Account

FILTERS = {"entity": "entity", "department": "department", "location": "location", "skill": "skills"}
SCAN_LIMIT = 20000
MAX_LIMIT = 200
MAX_FILTER = 100


class HiddenFilter(ValueError):
    """A filter on a part of the profile this reader may not see."""


@dataclass(frozen=True)
class Query:
    filters: dict[str, str]  # filter name (FILTERS) -> wanted value, non-empty only
    text: str = ""


def query_of(args) -> Query:
    """The directory query of a request's arguments (each value trimmed and capped)."""
    filters = {name: " ".join(str(args.get(name, "")).split())[:MAX_FILTER] for name in FILTERS}
    return Query({k: v for k, v in filters.items() if v}, " ".join(str(args.get("q", "")).split())[:MAX_FILTER])


def shown_parts(whole: bool, public_fields) -> set[str]:
    """The profile parts a reader sees: all of them inside the group, else the node's public ones."""
    return {"name", *SEARCHABLE} if whole else {p for p in public_fields if p in ("name", *SEARCHABLE)}


def entry(account: Account, base_url: str, shown: set[str]) -> dict:
    """One person as the directory lists them: who, where to find them, the parts shown."""
    parts = {**directory_fields(account), **declared_fields(account)}
    item = {"actor": local_actor_id(base_url, account.username), "username": account.username,
            "acct": f"{account.username}@{urlsplit(base_url).netloc}",
            "name": (account.display_name if "name" in shown else "") or account.username}
    item.update({part: parts[part] for part in SEARCHABLE if part in shown and parts.get(part)})
    return item


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


def matches(item: dict, query: Query) -> bool:
    for name, wanted in query.filters.items():
        value = item.get(FILTERS[name])
        values = value if isinstance(value, list) else [value] if value else []
        if not any(_same(v, wanted) for v in values):
            return False
    if query.text:
        text = " ".join(v if isinstance(v, str) else " ".join(v) for k, v in item.items() if k not in ("actor", "acct")).casefold()
        return all(word in text for word in query.text.casefold().split())
    return True


def people(query: Query, *, whole: bool, config) -> list[dict]:
    """This node's open accounts the query finds, sorted by name; ``HiddenFilter`` when
    the query filters on a part the reader may not see."""
    shown = shown_parts(whole, config.profile_public_fields)
    hidden = sorted(name for name in query.filters if FILTERS[name] not in shown)
    if hidden:
        raise HiddenFilter(", ".join(hidden))
    rows = Account.objects(suspended__ne=True, scim_deleted__ne=True, moved_to=None).only(
        "username", "display_name", "scim_attributes", "directory_claims", *DECLARED).limit(SCAN_LIMIT)
    found = [item for item in (entry(a, config.base_url, shown) for a in rows) if matches(item, query)]
    return sorted(found, key=sort_key)


def sort_key(item: dict) -> tuple[str, str]:
    return (item.get("name", "").casefold(), item.get("actor", ""))
