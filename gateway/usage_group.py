"""The group's usage figures: this node's rows plus every other member node's, asked in
parallel by a GET of ``/api/archipel/admin/usage?scope=node`` signed by this node's
instance actor, with ``ARCHIPEL_DIRECTORY_TIMEOUT`` seconds to answer (as the people
directory asks, services/identity/people_group.py); a node that does not answer in time,
or answers something else, is named in ``unreachable`` and left out of the sums.

Each node applies k-anonymity to its own figures before they leave it (the raw count
behind a withheld figure never crosses), so a sum is shown only when each of its parts
was (gateway/usage_figures.py ``summed``). By node, each node keeps its row and one more
row, keyed by the group's name, adds them up.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlencode

import requests

from fedkit.protocol.vocab import instance_actor_id
from fedkit.rules.registry import MemberNode, load_registry
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime.config import Config
from fedkit.runtime.http import read_capped, signed_get
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.member_fanout import ask_other_members
from gateway.usage_figures import summed
from gateway.usage_report import HIDDEN, Period, masked, node_report

log = logging.getLogger(__name__)
PATH = "/api/archipel/admin/usage"
MAX_BODY = 20_000_000


def _ask(node: MemberNode, period: Period, config: Config, key_id: str, private_pem: str) -> list[dict] | None:
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat(), "by": period.by,
                       "scope": "node"})
    try:
        resp = signed_get(f"{node.base_url}{PATH}?{query}", config, key_id=key_id, private_pem=private_pem,
                          accept="application/json", max_redirects=0, timeout=config.directory_timeout)
        body = read_capped(resp, MAX_BODY, deadline=time.monotonic() + config.directory_timeout)
        answer = json.loads(body) if resp.status_code == 200 and body else None
        rows = answer.get("rows") if isinstance(answer, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("key"), str)
                                                 and isinstance(r.get("total"), dict)
                                                 and isinstance(r.get("days"), list) for r in rows):
            log.info("usage: node %s answered %s", node.name, resp.status_code)
            return None
    except (requests.RequestException, UnsafeURL, ValueError, TypeError) as exc:
        log.info("usage: node %s not answering: %s", node.name, type(exc).__name__)
        return None
    return rows


def group_report(period: Period, config: Config, internal: InternalClient) -> tuple[list[dict], list[str], list[str]]:
    """(the group's rows, the nodes that answered, the nodes that did not)."""
    registry = load_registry(config)
    mine = node_report(period, config, internal)["rows"]
    answers, answered, unreachable = [mine], [config.node_name], []
    for node, rows in ask_other_members(config, instance_actor_id(config.base_url),
                                        lambda node, key_id, pem: _ask(node, period, config, key_id, pem)):
        if rows is None:
            unreachable.append(node.name)
        else:
            answers.append(rows)
            answered.append(node.name)
    # a community's name as its host gave it (None elsewhere, HIDDEN for a hidden one)
    labels = {row["key"]: row["label"] for rows in answers for row in rows if row.get("label") not in (None, HIDDEN)}
    if period.by == "node":
        rows = [row for rows in answers for row in rows]
        total = summed([[{**row, "key": registry.name} for row in rows]])
        rows += [{**row, "label": registry.name} for row in total]
        return rows, answered, unreachable
    rows = summed(answers)
    for row in rows:
        row["label"] = labels.get(row["key"])
    return masked(rows, config), answered, unreachable
