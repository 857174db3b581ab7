"""What the client API's search finds (docs.joinmastodon.org/methods/search/#v2), each kind
from the service that owns it and shown only as the visibility policy lets the requester
see it:

- accounts: this node's people (identity), the people of the group's other nodes and the
  outside accounts this node knows (the outbox's actor cache, the group's first) and, with
  ``resolve``, an account by its address (``user@host``, WebFinger) or profile URL; for
  plain words and a signed-in user in a v2 search (not ``accounts/search``, which apps call
  as one types a mention), the accounts the words name come first, then the
  group's experts on them by rank (expert_finder.py), each Account with an extra
  ``archipel_evidence`` list (Mastodon apps ignore keys they do not know);
- statuses: a status by its URL if the requester may see it, and posts whose text matches
  (the inbox, read as the requester);
- hashtags: the tags of posts the requester may see, by prefix.
"""

from __future__ import annotations

from flask import g

from fedkit.protocol.hashtags import normalized
from fedkit.protocol.local_ids import is_local, local_username
from fedkit.protocol.vocab import GROUP, id_of, local_actor_id, type_of
from fedkit.protocol.webfinger import parse_acct
from fedkit.rules.expertise import Expert, query_words, text_matches
from fedkit.rules.registry import load_registry
from services.api import converter, expert_finder, upstream
from services.api.entities import (
    account_of,
    author_of,
    config,
    me,
    prefetch_accounts,
    prefetch_page,
    status_entity,
    visible_object,
)

NAMED = 10_000  # an account the words name outranks any expert (fedkit/rules/expertise.py)


def _is_url(query: str) -> bool:
    return query.startswith(("https://", "http://")) and " " not in query


def _host_of(host: str) -> str:
    """A member node named by its short name (``bob@de``) stands for its host."""
    node = load_registry(config()).node_named(host)
    return node.base_url.split("://", 1)[1].lower() if node else host


def _by_url(url: str, resolve: bool) -> list[tuple[str, dict | None]]:
    uri = url.split("#", 1)[0]
    if is_local(uri, config().base_url):
        return [(uri, None)] if local_username(uri, config().base_url) else []
    known = [d for d in upstream.search_known_actors(uri, 1) if uri in (id_of(d), d.get("url"))]
    if not known and resolve:  # by its id or its profile page, fetched
        document = upstream.resolve_actor(url=uri)
        known = [document] if document and id_of(document) else []
    actor = id_of(known[0]) if known else None
    return [(actor, known[0])] if actor and not is_local(actor, config().base_url) else []


def _by_address(username: str, host: str, resolve: bool) -> list[tuple[str, dict | None]]:
    base = config().base_url
    if host == config().host.lower():
        return [(local_actor_id(base, username.lower()), None)]
    document = upstream.known_remote_actor(username, host)
    if document is None and resolve:
        document = upstream.resolve_actor(f"{username}@{host}")
    actor = id_of(document) if document else None
    return [(actor, document)] if actor and not is_local(actor, base) else []


def _by_text(text: str, wanted: int) -> list[tuple[str, dict | None]]:
    base, registry = config().base_url, load_registry(config())
    local = [(local_actor_id(base, name), None) for name in upstream.search_local_accounts(text, wanted)]
    remote = [(id_of(d), d) for d in upstream.search_known_actors(text, wanted) if id_of(d)]
    remote.sort(key=lambda pair: not registry.is_inside(pair[0]))  # the group's people first
    return local + [(a, d) for a, d in remote if not is_local(a, base)]


def accounts(query: str, *, resolve: bool, limit: int, offset: int, following: bool,
             experts: bool = False) -> list[dict]:
    """Account entities the query names (see the module's docstring), ``offset`` skipped;
    with ``experts`` (v2 search), plain words also find the group's experts on them."""
    query = query.strip()
    parsed = parse_acct(query) if not _is_url(query) else None
    if _is_url(query):
        found = _by_url(query, resolve)
    elif parsed is not None:
        found = _by_address(parsed[0], _host_of(parsed[1]), resolve)
    else:
        found = _by_text(query.lstrip("@"), offset + limit)
    found = list(dict((a, d) for a, d in found).items())
    experts_too = experts and parsed is None and not _is_url(query) and bool(g.requester.user)  # plain words
    evidence: dict[str, Expert] = {}
    if experts_too:
        named = {a for a, _ in found}
        for expert, _entity in expert_finder.find(query, limit=offset + limit):
            evidence[expert.actor] = expert
            if expert.actor not in named:
                found.append((expert.actor, None))
    if following and found and g.requester.user:
        states = upstream.relationships(me(), [a for a, _ in found])
        found = [(a, d) for a, d in found if states.get(a, {}).get("following") == converter.FOLLOW_ACCEPTED]
    # communities are shown as accounts by their own slice, as the policy allows
    people = [(a, d) for a, d in found if d is None or type_of(d) != GROUP]
    prefetch_accounts([a for a, _ in people], known={a: d for a, d in people if d is not None})
    entities = [e for e in (account_of(a) for a, _ in people) if e is not None]
    if experts_too:
        entities = _by_expertise(query, entities, evidence)
    return entities[offset:offset + limit]


def _by_expertise(query: str, entities: list[dict], experts: dict) -> list[dict]:
    """The accounts the words name first (by name or handle: who the query asks for, as
    Mastodon's search), then by the expert ranking; each with ``archipel_evidence``, a key
    of Archipel's own that Mastodon apps ignore (they skip keys they do not know)."""
    wanted = query_words(query)

    def rank(entity: dict) -> int:
        expert = experts.get(entity.get("uri"))
        named = text_matches(wanted, f"{entity.get('display_name', '')} {entity.get('username', '')}")
        return (NAMED if named else 0) + (expert.score if expert else 0)

    shown = []
    for entity in sorted(entities, key=rank, reverse=True):  # stable: equal ranks keep their order
        expert = experts.get(entity.get("uri"))
        shown.append({**entity, "archipel_evidence": expert.evidence if expert else []})
    return shown


def statuses(query: str, *, resolve: bool, limit: int, offset: int, author: str | None) -> list[dict]:
    """A status by its URL — its id or its web page — if the requester may see it (with
    ``resolve``, fetched from its origin as them when this node does not hold it), else
    posts whose text matches."""
    query = query.strip()
    if _is_url(query):
        uri = query.split("#", 1)[0]
        obj = visible_object(uri)
        if obj is None and not is_local(uri, config().base_url):
            obj = upstream.resolve_object(uri, fetch=resolve)  # by its web page, or fetched
        entity = status_entity(obj) if obj and (author is None or author_of(obj) == author) else None
        return [entity] if entity is not None and offset == 0 else []
    objects = [item["object"] for item in upstream.posts_matching(q=query, author=author, limit=limit, offset=offset)]
    prefetch_page(objects)  # what the statuses need, read for them all at once
    return [e for e in (status_entity(obj) for obj in objects) if e is not None]


def tag_entity(name: str, *, history: list | None = None, following: bool = False) -> dict:
    """The Tag entity (docs.joinmastodon.org/entities/Tag/); ``history``: Mastodon's daily
    entries (services/inbox/trends.py), none where not asked for (search results)."""
    return {"name": name, "url": f"{config().base_url}/tags/{name.lower()}", "history": history or [],
            "following": following}


def hashtags(query: str, *, limit: int, offset: int) -> list[dict]:
    """Tags of posts the requester may see whose name starts with the query, the exact
    name first, then the most used."""
    prefix = normalized(query)
    if prefix is None:
        return []
    found = upstream.tags(prefix, offset + limit)
    found.sort(key=lambda t: t["name"].lower() != prefix)  # stable: then by use, as the inbox ranked them
    return [tag_entity(t["name"]) for t in found[offset:offset + limit]]
