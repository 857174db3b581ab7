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
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import requests

from fedkit.contracts.identity import PEOPLE
from fedkit.protocol.vocab import local_actor_id
from fedkit.rules.registry import load_registry, origin_of
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime import keystore
from fedkit.runtime.http import read_capped, signed_get
from services.identity.people_listing import MAX_LIMIT, Query, people, sort_key

log = logging.getLogger(__name__)
MAX_BODY = 5_000_000


def _params(query: Query) -> str:
    return urlencode({**query.filters, **({"q": query.text} if query.text else {}), "limit": MAX_LIMIT})


def _valid(item, base_url: str) -> bool:
    """A person a node lists must be one of its own (a node answers for its people only)."""
    return isinstance(item, dict) and isinstance(item.get("actor"), str) and isinstance(item.get("name"), str) \
        and origin_of(item["actor"]) == origin_of(base_url)


def _ask(node, path: str, params: str, config, key_id: str, private_pem: str) -> list[dict] | None:
    """One member node's people at ``path`` (``PEOPLE``, ``EXPERTS``), or None when it did not answer."""
    url = f"{node.base_url}{path}?{params}"
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
    return [{**item, "node": node.name} for item in items if _valid(item, node.base_url)]


def ask_members(path: str, params: str, username: str, config) -> tuple[list[dict], list[str]]:
    """(the items every other member node answers at ``path``, each with its ``node``; the
    nodes that did not answer), asked in parallel, signed as ``username``."""
    others = [node for node in load_registry(config).nodes if node.base_url != config.base_url]
    key_id, private_pem = keystore.signing_key(local_actor_id(config.base_url, username))
    found, unreachable = [], []
    if others:
        with ThreadPoolExecutor(max_workers=min(8, len(others))) as pool:
            answers = list(pool.map(lambda node: _ask(node, path, params, config, key_id, private_pem), others))
        for node, items in zip(others, answers, strict=True):
            if items is None:
                unreachable.append(node.name)
            else:
                found += items
    return found, unreachable


def group_people(query: Query, username: str, config) -> tuple[list[dict], list[str]]:
    """(every member node's people the query finds, sorted by name; the nodes that did not answer)."""
    found = [{**item, "node": config.node_name} for item in people(query, whole=True, config=config)]
    others, unreachable = ask_members(PEOPLE, _params(query), username, config)
    return sorted(found + others, key=sort_key), unreachable
