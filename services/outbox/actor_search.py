"""Finding remote actors for the client API's account search (services/api/search.py):
among those this node already knows (its actor cache: fedkit/protocol/actors.py), or, asked
to resolve, by WebFinger then a signed fetch (fedkit/protocol/webfinger.py). The outbox owns
the actor cache, so it answers both.

Matching is ``matches`` alone (a prefix of the username, of the address or of a word of the
display name, any case), over the cache newest first up to ``SCAN_LIMIT`` actors: a
search engine replaces that function later.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request

from fedkit.contracts import outbox as contract
from fedkit.protocol.actors import CachedActor, FetchError, fetch_json, get_actor
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import APPLICATION, GROUP, id_of
from fedkit.protocol.webfinger import actor_of_acct, parse_acct
from fedkit.rules.authority import same_origin
from fedkit.runtime.responses import error

bp = Blueprint("outbox_actor_search", __name__)

SCAN_LIMIT = 5000
MAX_QUERY = 100


def matches(query: str, username: str, host: str, name: str) -> bool:
    """Does ``query`` (lower case, no leading ``@``) name this actor (``username`` in lower case)?"""
    name = name.lower()
    return (username.startswith(query) or f"{username}@{host}".startswith(query)
            or any(word.startswith(query) for word in name.split()))


@bp.get(contract.ACTORS_SEARCH)
def search():
    """Known remote actors (not suspended; no instance actor, no community: a hidden one's
    name must not leak, and communities as accounts are a later slice) that ``q`` names, as
    their documents; ``q`` may also be an actor id or profile page (``url``)."""
    exact = request.args.get("q", "").strip()
    query = exact.lstrip("@").lower()[:MAX_QUERY]
    try:
        limit = max(1, min(int(request.args.get("limit", "40")), 80))
    except ValueError:
        return error(400, "invalid_request", "limit must be a number")
    if not query:
        return jsonify(items=[])
    found = []
    rows = CachedActor.objects(suspended__ne=True).only("actor_id", "actor_type", "preferred_username",
                                                        "raw_json").order_by("-fetched_at")
    for actor in rows.limit(SCAN_LIMIT):
        if actor.actor_type in (APPLICATION, GROUP):
            continue  # instance actors; and communities, which answer to the visibility policy
        raw = json.loads(actor.raw_json or "{}")
        name = raw.get("name") if isinstance(raw.get("name"), str) else ""
        host = urlsplit(actor.actor_id).netloc.lower()
        username = (actor.preferred_username or "").lower()
        if exact in (actor.actor_id, raw.get("url")) or matches(query, username, host, name):
            # the exact username first, then the usernames it starts, then display names
            found.append(((username != query, not username.startswith(query), username, host), raw))
    found.sort(key=lambda pair: pair[0])
    return jsonify(items=[raw for _, raw in found[:limit]])


def _actor_of_page(url: str, config) -> str:
    """The actor id behind a profile page (``https://host/@bob``: what people copy from a
    browser), on the same origin; the URL itself when it is the id."""
    if not url.startswith(("https://", "http://")) or is_local(url, config.base_url):
        raise FetchError("not_an_actor", "not a remote URL")
    actor_id = id_of(fetch_json(url, config))
    if not actor_id or not same_origin(actor_id, url):
        raise FetchError("not_an_actor", f"{url} names no actor of its origin")
    return actor_id


@bp.get(contract.ACTOR_RESOLVE)
def resolve():
    """A remote actor's document by its address ``acct`` (``user@host``: WebFinger) or its
    ``url`` (its id or profile page), fetched (or refreshed) and cached; 404 when it cannot
    be had, 410 if suspended."""
    config = current_app.config["ARCHIPEL"]
    parsed = parse_acct(request.args.get("acct", ""))
    url = request.args.get("url", "")
    if parsed is None and not url:
        return error(400, "invalid_request", "acct: user@host, or url")
    try:
        actor = get_actor(actor_of_acct(*parsed, config) if parsed else _actor_of_page(url, config), config)
    except FetchError as exc:
        return error(404, "not_found", f"cannot resolve that account: {exc.code}")
    if actor.suspended:
        return error(410, "gone", "that actor is suspended at its origin")
    return jsonify(actor.raw)
