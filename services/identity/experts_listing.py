"""The expert finder's node side: which of this node's people say they know about ``q``,
and where they say it (services/api/expert_finder.py ranks the answers of every node).

A person is found by what they declared (skills, projects, interests, languages: kind
``skill``) and by their profile text (job title, department, bio, free fields: kind
``profile``) — only in the parts the reader may see (people_listing.py ``shown_parts``): a
reader outside the group sees the node's public parts alone, so cannot match on a hidden
one (finding people by a hidden skill would tell it).

Words are matched as fedkit/rules/expertise.py says. The candidates come from the node's
full-text index (people_index.py indexes the same parts), asked once per word of the query
— an item matches when every word of the query begins one of its words or when its words
are all in the query, so anyone with evidence has one of the query's words indexed — and
at most ``CANDIDATES_PER_WORD`` per word, best match first: a node answers with a bounded
list however many people it has. Only while the index does not answer (restarting,
being rebuilt) are the accounts read one by one.
"""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import requests

from fedkit.contracts.search import SearchClient, plain_text
from fedkit.protocol.local_ids import local_username
from fedkit.rules.expertise import (
    PROFILE,
    SKILL,
    declared_matches,
    excerpt,
    fold,
    query_words,
    text_matches,
)
from fedkit.rules.profile_view import DECLARED
from fedkit.runtime.internal import internal_client
from services.identity.directory_profile import declared_fields, directory_fields
from services.identity.models import Account
from services.identity.people_listing import SCAN_LIMIT, entry, shown_parts

log = logging.getLogger(__name__)

CANDIDATES_PER_WORD = 200
PROFILE_TEXT = ("title", "department")  # directory parts that say what someone does
FIELDS = ("username", "display_name", "summary", "profile_fields", "scim_attributes", "directory_claims", *DECLARED)


def _profile_texts(account, shown: set[str]) -> list[tuple[str, str]]:
    """(part, plain text) of the profile text a reader sees: title, department, bio, fields."""
    directory = directory_fields(account)
    texts = [(part, directory[part]) for part in PROFILE_TEXT if part in shown and directory.get(part)]
    if "bio" in shown and account.summary:
        texts.append(("bio", plain_text(account.summary)))
    if "fields" in shown:
        for field in account.profile_fields or []:
            if isinstance(field, dict) and field.get("value"):
                texts.append((str(field.get("name") or "")[:60], plain_text(field.get("name"), field["value"])))
    return texts


def evidence_of(account, wanted: list[str], shown: set[str]) -> list[dict]:
    """What of ``account``'s profile matches: [{"kind": "skill"|"profile", "part", "text"}]."""
    found = []
    for part, values in declared_fields(account).items():
        if part in shown:
            found += [{"kind": SKILL, "part": part, "text": v} for v in values if declared_matches(wanted, v)]
    for part, text in _profile_texts(account, shown):
        if text_matches(wanted, text):
            found.append({"kind": PROFILE, "part": part, "text": excerpt(text, wanted)})
    return found


def _said(row: dict) -> str:
    """Every word of a raw account row's profile, folded (SCIM's JSON decoded: it may escape
    accents), for a first cheap look."""
    try:
        scim = json.loads(row.get("scim_attributes") or "{}")
    except ValueError:
        scim = {}
    return fold(str([scim, *(row.get(f) for f in FIELDS if f != "scim_attributes")]))


def _candidates(wanted: list[str], base_url: str) -> list[str] | None:
    """Usernames the index finds for any word of the query, or None when it did not answer."""
    search = SearchClient(internal_client())
    named: set[str] = set()
    try:
        for word in wanted:
            named.update(filter(None, (local_username(a, base_url) for a in search.people(word, limit=CANDIDATES_PER_WORD))))
    except requests.RequestException as exc:
        log.warning("expert finder: the search index did not answer (%s); reading every account", exc)
        return None
    return sorted(named)


def experts(q: str, *, whole: bool, config) -> list[dict]:
    """This node's open accounts whose profile matches ``q`` as the reader sees it: each the
    people directory's entry plus ``matched`` (``evidence_of``), by name."""
    wanted = query_words(q)
    if not wanted:
        return []
    shown = shown_parts(whole, config.profile_public_fields)
    if whole or "bio" in config.profile_public_fields:
        shown.add("bio")
    if whole or "fields" in config.profile_public_fields:
        shown.add("fields")
    rows = Account.objects(suspended__ne=True, scim_deleted__ne=True).only(*FIELDS).as_pymongo()
    named = _candidates(wanted, config.base_url)
    rows = rows.filter(username__in=named) if named is not None else rows.limit(SCAN_LIMIT)
    found = []
    for row in rows:  # raw rows: building 10,000 documents per query would cost more than matching
        if not any(word in _said(row) for word in wanted):
            continue  # no word of the query anywhere in the person's profile: no evidence either
        account = SimpleNamespace(**{f: row.get(f) for f in FIELDS if f != "username"}, username=row["_id"])
        matched = evidence_of(account, wanted, shown)
        if matched:
            found.append({**entry(account, config.base_url, shown), "matched": matched})
    return sorted(found, key=lambda item: (item["name"].casefold(), item["actor"]))
