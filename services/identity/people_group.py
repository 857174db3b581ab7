"""The group's people directory: this node's people plus every other member node's.

Each member node answers for its own people under its own policy (people_listing.py),
asked in parallel by a GET signed as the user (as the community directory asks,
services/communities/web.py), with ``ARCHIPEL_DIRECTORY_TIMEOUT`` seconds to answer; a node
that does not answer in time is named in ``unreachable`` and its people are missing from
this answer. The answers are merged, sorted by name and paged here.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import requests

from fedkit.contracts.identity import EXPERTS, PEOPLE
from fedkit.protocol.vocab import instance_actor_id, local_actor_id
from fedkit.rules.registry import origin_of
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime.http import read_capped, signed_get
from fedkit.runtime.member_fanout import ask_other_members
from services.identity.people_listing import MAX_LIMIT, Query, people, sort_key

log = logging.getLogger(__name__)
MAX_BODY = 5_000_000
MAX_PAGES = 100  # a membership rule's reconciliation reads at most this many pages of one node
EVERYONE_TIMEOUTS = 5  # ...in at most this many ARCHIPEL_DIRECTORY_TIMEOUTs (the caller waits 30 s)


def _params(query: Query, page: int = 1) -> str:
    return urlencode({**query.filters, **({"q": query.text} if query.text else {}), "limit": MAX_LIMIT,
                      **({"page": page} if page > 1 else {})})


def _valid(item, base_url: str) -> bool:
    """A person a node lists must be one of its own (a node answers for its people only)."""
    return isinstance(item, dict) and isinstance(item.get("actor"), str) and isinstance(item.get("name"), str) \
        and origin_of(item["actor"]) == origin_of(base_url)


def _ask(node, query: Query, config, key_id: str, private_pem: str,
         page: int = 1, path: str = PEOPLE) -> tuple[list[dict], bool] | None:
    """One member node's people for this query (one page, and whether another follows), or
    None when it did not answer; ``path``: ``PEOPLE``, or ``EXPERTS`` (the expert finder's)."""
    url = f"{node.base_url}{path}?{_params(query, page)}"
    try:
        resp = signed_get(url, config, key_id=key_id, private_pem=private_pem, accept="application/json",
                          max_redirects=0, timeout=config.directory_timeout)
        body = read_capped(resp, MAX_BODY, deadline=time.monotonic() + config.directory_timeout)
        answer = json.loads(body) if resp.status_code == 200 and body else None
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            log.info("people directory: node %s answered %s", node.name, resp.status_code)
            return None
    except (requests.RequestException, UnsafeURL, ValueError, TypeError) as exc:
        log.info("people directory: node %s not answering: %s", node.name, type(exc).__name__)
        return None
    return [{**item, "node": node.name} for item in items if _valid(item, node.base_url)], answer.get("next") is True


def group_people(query: Query, username: str, config) -> tuple[list[dict], list[str]]:
    """(every member node's people the query finds, sorted by name; the nodes that did not answer)."""
    found = [{**item, "node": config.node_name} for item in people(query, whole=True, config=config)]
    unreachable = []
    for node, answer in ask_other_members(config, local_actor_id(config.base_url, username),
                                          lambda node, key_id, pem: _ask(node, query, config, key_id, pem)):
        if answer is None:
            unreachable.append(node.name)
        else:
            found += answer[0]
    return sorted(found, key=sort_key), unreachable


def _everyone_at(node, query: Query, config, key_id: str, private_pem: str) -> list[str] | None:
    """Every actor one member node finds for the query (all its pages, within
    ``EVERYONE_TIMEOUTS`` directory timeouts), None when it did not answer them all."""
    actors: list[str] = []
    deadline = time.monotonic() + EVERYONE_TIMEOUTS * config.directory_timeout
    for page in range(1, MAX_PAGES + 1):
        answer = _ask(node, query, config, key_id, private_pem, page) if time.monotonic() < deadline else None
        if answer is None:
            return None
        actors += [item["actor"] for item in answer[0]]
        if not answer[1]:
            return actors
    return None  # more than MAX_PAGES: not all known, so nobody of that node is removed


def everyone(query: Query, config) -> tuple[list[str], list[str]]:
    """(the actor ids of everyone in the group the query finds, origins of the member nodes
    that did not answer). Asked as this node's instance actor, a member node's reader, who
    sees each person's whole directory profile (a dynamic community's membership rule)."""
    found = [item["actor"] for item in people(query, whole=True, config=config)]
    unreachable = []
    for node, actors in ask_other_members(config, instance_actor_id(config.base_url),
                                          lambda node, key_id, pem: _everyone_at(node, query, config, key_id, pem)):
        if actors is None:
            unreachable.append(origin_of(node.base_url))
        else:
            found += actors
    return sorted(set(found)), unreachable


def group_experts(q: str, username: str, config) -> tuple[list[dict], list[str]]:
    """(the people every other member node finds for the expert finder's ``q``, with what
    matched (experts_listing.py); the nodes that did not answer), asked signed as the user."""
    found, unreachable = [], []
    for node, answer in ask_other_members(config, local_actor_id(config.base_url, username),
                                          lambda node, key_id, pem: _ask(node, Query({}, q), config, key_id, pem,
                                                                         path=EXPERTS)):
        if answer is None:
            unreachable.append(node.name)
        else:
            found += answer[0]
    return found, unreachable
