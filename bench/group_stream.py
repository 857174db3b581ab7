"""``make bench`` (7): the time for a post to the group to reach every member node's group
stream.

A third member node, ``it`` (compact), joins the bench's registry beside fr and de (member
nodes re-read the registry when it changes). alice@fr then writes ``BENCH_GROUP_POSTS``
posts to the group through the client API, one after the other; for each, the time from
her ``POST /api/v1/statuses`` until ``GET /api/v1/timelines/public`` through the gateway
of de and of it — read by bob@de and ida@it, who follow nobody — shows it, the slower of
the two counting; p50 and p95 over the posts (the first one, which also fetches keys and
actors for the first time, is reported apart), and the HTTP deliveries each post cost.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import requests

from deploy.processes import Infra, Node, NodeSpec
from deploy.supervision import free_port
from fedkit.rules.registry import write_registry

POSTS = int(os.environ.get("BENCH_GROUP_POSTS", "20"))
POLL_SECONDS = 0.05  # each reader polls its stream this often (the poll loads the same two cores)
TIMEOUT_SECONDS = 120


def _time_to_streams(post: Callable[[], str], readers: list[tuple[str, dict]]) -> tuple[float, str]:
    """(seconds from the POST until every reader's group stream shows the post, its uri)."""
    start = time.perf_counter()
    uri = post()
    waiting = dict(readers)
    session = requests.Session()
    while waiting:
        if time.perf_counter() - start > TIMEOUT_SECONDS:
            raise TimeoutError(f"the group post {uri} did not reach {', '.join(waiting)}")
        for url, headers in list(waiting.items()):
            page = session.get(url, headers=headers, params={"limit": 5}, timeout=30).json()
            if any(status["uri"] == uri for status in page):
                del waiting[url]
        if waiting:
            time.sleep(POLL_SECONDS)
    return time.perf_counter() - start, uri


def bench_group_stream(nodes: dict[str, Node], infra: Infra, secrets_: dict, mongo) -> None:
    from bench.run import issue_token

    fr, de = nodes["fr"], nodes["de"]
    registry = Path(fr.env["ARCHIPEL_GROUP_REGISTRY"])
    original = registry.read_text(encoding="utf-8")
    data = json.loads(original)
    it = Node(NodeSpec("it", free_port(), ("ida",)), infra, secrets_, de.extra_env, layout="compact")
    write_registry(registry, data["name"], [(n["name"], n["base_url"]) for n in data["nodes"]]
                   + [("it", it.spec.base_url)], identity_provider=data.get("identity_provider"))
    try:
        it.start()
        # Not timed: a new node's first requests load its code (~10 s here), longer than a peer's
        # actor fetch waits (ARCHIPEL_KEY_FETCH_TIMEOUT, 3 s), and fr would give up on it.
        for _ in range(4):
            requests.get(f"{it.spec.base_url}/actor", headers={"Accept": "application/activity+json"}, timeout=60)
        tokens = {name: secrets.token_urlsafe(32) for name in ("alice", "bob", "ida")}
        for db, name in (("archipel_fr", "alice"), ("archipel_de", "bob"), ("archipel_it", "ida")):
            issue_token(mongo[db], name, tokens[name])
        readers = [(f"{node.spec.base_url}/api/v1/timelines/public", {"Authorization": f"Bearer {tokens[name]}"})
                   for node, name in ((de, "bob"), (it, "ida"))]
        poster = requests.Session()

        def post(i: int):
            def send() -> str:
                resp = poster.post(f"{fr.spec.base_url}/api/v1/statuses",
                                   headers={"Authorization": f"Bearer {tokens['alice']}"},
                                   data={"status": f"Group news {i}", "visibility": "group"}, timeout=30)
                assert resp.status_code == 200, resp.text
                return resp.json()["uri"]
            return send

        try:
            first, _ = _time_to_streams(post(0), readers)
            timed = [_time_to_streams(post(i), readers) for i in range(1, POSTS)]
        except TimeoutError:
            for d in mongo["archipel_fr"].deliveries.find({}, {"inbox": 1, "state": 1, "attempts": 1,
                                                               "last_status": 1, "last_error": 1}):
                print(f"    fr's delivery: {d}", flush=True)
            raise
        seconds = sorted(t for t, _ in timed)
        fr_db = mongo["archipel_fr"]
        deliveries = []
        for _, uri in timed:
            create = fr_db.outbox_activities.find_one({"activity_type": "Create", "object_id": uri})
            deliveries.append(fr_db.deliveries.count_documents({"activity_id": create["_id"]}))
        p95 = statistics.quantiles(seconds, n=20)[-1] if len(seconds) >= 2 else seconds[0]
        print(f"\n(7) a post to the group reaching every member node's group stream (fr → de and it, "
              f"read through each gateway by someone who follows nobody), {len(timed)} posts one after "
              f"the other: p50 {statistics.median(seconds) * 1000:,.0f} ms, p95 {p95 * 1000:,.0f} ms, "
              f"max {seconds[-1] * 1000:,.0f} ms (the first post, with first key and actor fetches: "
              f"{first * 1000:,.0f} ms)")
        print(f"    HTTP deliveries per post: {sorted(set(deliveries))} (one per other member node, "
              f"at its shared inbox); readers poll every {POLL_SECONDS * 1000:.0f} ms")
    finally:
        it.stop()
        registry.write_text(original, encoding="utf-8")
