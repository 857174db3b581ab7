"""The expert finder, "who knows about q" across the group (fedkit/rules/expertise.py holds
the matching and the score):

- what people declared and their profile text: every member node answers for its own
  people under its own policy, asked signed as the requester (identity's
  ``/internal/directory/experts``, services/identity/experts_listing.py);
- what people wrote: the posts of this node's index the requester may see — the same
  inbox query as the status search (services/inbox/search_api.py: the index restricted to
  the reader's audiences, then each post re-checked with the visibility policy), so a post
  of a community the requester may not read is never evidence. Only authors inside the
  group (or on this node) are candidates.

Used by ``GET /api/archipel/experts`` (experts.py) and the accounts of ``/api/v2/search``
(finders.py).
"""

from __future__ import annotations

from fedkit.contracts.search import plain_text
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import id_of
from fedkit.rules.expertise import (
    POST,
    POST_MOST,
    PROFILE,
    SKILL,
    Expert,
    excerpt,
    query_words,
    ranked,
)
from fedkit.rules.registry import load_registry
from services.api import ids, upstream
from services.api.entities import account_of, author_of, config, prefetch_accounts

PREFETCH_SPARE = 10  # accounts read ahead beyond the page, for those that cannot be shown
POSTS_SCANNED = 80  # the newest matching posts looked at (the inbox's largest page)


def _post_evidence(obj: dict, wanted: list[str]) -> dict:
    uri = id_of(obj)
    text = plain_text(obj.get("summary"), obj.get("content"))
    return {"kind": POST, "text": excerpt(text, wanted), "url": id_of(obj.get("url")) or uri,
            "status_id": ids.status_id(uri, obj.get("published"))}


def gather(q: str) -> list[Expert]:
    """Everyone with evidence for ``q``, unranked."""
    wanted = query_words(q)
    if not wanted:
        return []
    found: dict[str, Expert] = {}
    for item in upstream.experts(q).get("items") or []:
        expert = found.setdefault(item["actor"], Expert(item["actor"], name=item.get("name") or ""))
        for match in item.get("matched") or []:
            if match.get("kind") == SKILL:
                expert.skills.append(match)
            elif match.get("kind") == PROFILE:
                expert.profile.append(match)
    base, registry = config().base_url, load_registry(config())
    for item in upstream.posts_matching(q=q, limit=POSTS_SCANNED):
        obj = item["object"]
        author = author_of(obj)
        if author and id_of(obj) and (is_local(author, base) or registry.is_inside(author)):
            expert = found.setdefault(author, Expert(author))
            if len(expert.posts) < POST_MOST:  # no more count (nor are shown): no id to allocate
                expert.posts.append(_post_evidence(obj, wanted))
    return list(found.values())


def find(q: str, *, limit: int, offset: int = 0) -> list[tuple[Expert, dict]]:
    """(expert, Account entity) best first, ``offset`` skipped; people who cannot be shown
    (closed, unknown) are left out. Someone found by posts alone is named by their Account
    once shown, so ties among them follow the display name within the page."""
    experts = ranked(gather(q))
    prefetch_accounts([e.actor for e in experts[:offset + limit + PREFETCH_SPARE]])  # one call per service
    shown = []
    for expert in experts:
        entity = account_of(expert.actor)
        if entity is None:
            continue
        expert.name = expert.name or entity.get("display_name") or entity.get("username") or ""
        shown.append((expert, entity))
        if len(shown) >= offset + limit:
            break
    shown.sort(key=lambda pair: (-pair[0].score, pair[0].name.casefold(), pair[0].actor))
    return shown[offset:offset + limit]
