"""``make bench`` (6): reading a home timeline of 10,000 items.

alice@fr follows ana@fr and bob@de; her inbox holds ``BENCH_HOME_ITEMS`` of their posts
(half each, every other one followers-only), seeded as the services store them — ana's
once in fr's outbox with the inbox's routing facts (services/outbox/objects.py,
services/inbox/local_posts.py), bob's as fr's inbox stores a received Create — by direct
inserts of the services' own documents, not HTTP posts. Then ``GET
/api/v1/timelines/home?limit=40`` is read through fr's gateway with a real bearer token
(the api, the inbox and the outbox behind it), by ``CONCURRENCY`` clients, beside a bare
endpoint (bench/bare.py) that returns the same JSON under the same gunicorn settings in
the same run: requests per second, p95 latency, and their ratio.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
import secrets
import statistics
import time
from pathlib import Path

import requests

from deploy.processes import Node
from deploy.supervision import ProcessSet, free_port, wait_for_port

HOME_ITEMS = int(os.environ.get("BENCH_HOME_ITEMS", "10000"))
HOME_REQUESTS = int(os.environ.get("BENCH_HOME_REQUESTS", "300"))
CONCURRENCY = 8
PAGE = "/api/v1/timelines/home?limit=40"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _use_db_of(node: Node) -> None:
    """Connect this process to the node's database, as its services are (set-up only)."""
    for key, value in node.env.items():
        if key.startswith(("ARCHIPEL_", "MONGODB_", "REDIS_")):
            os.environ[key] = value
    from fedkit.runtime.config import Config
    from fedkit.runtime.db import connect_db

    connect_db(Config.from_env())


def _note(object_id: str, author: str, i: int, when: dt.datetime) -> dict:
    to = [PUBLIC] if i % 2 else [f"{author}/followers"]
    return {"id": object_id, "type": "Note", "attributedTo": author, "published": when.isoformat(),
            "content": f"<p>Post {i} of {author.rsplit('/', 1)[-1]}: the weekly figures are in.</p>",
            "to": to, "cc": [f"{author}/followers"] if i % 2 else []}


def seed_home(base: str, remote_base: str, reader: str = "alice", local_author: str = "ana",
              remote_author: str = "bob", count: int = HOME_ITEMS) -> None:
    """``count`` posts in ``reader``'s inbox on the node at ``base`` (its database connected),
    half by a local author, half by one on ``remote_base``."""
    from services.inbox.context import next_seq
    from services.inbox.local_posts import routed, routing_form
    from services.inbox.models import (
        PROCESSED,
        FollowRelation,
        InboundActivity,
        InboxItem,
        ReceivedObject,
    )
    from services.outbox.models import FANOUT_DONE, LocalObject, OutboxActivity

    ana, bob, alice = f"{base}/users/{local_author}", f"{remote_base}/users/{remote_author}", \
        f"{base}/users/{reader}"
    for followee in (ana, bob):
        FollowRelation(follower=alice, followee=followee, state="accepted").save()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=count)
    batch: dict[type, list] = {}

    def add(document) -> None:
        batch.setdefault(type(document), []).append(document)

    def flush() -> None:
        for model, documents in batch.items():
            model.objects.insert(documents, load_bulk=False)
        batch.clear()

    for i in range(count):
        when = start + dt.timedelta(seconds=i)
        local = i % 2 == 0
        author = ana if local else bob
        origin = base if local else remote_base
        uid = secrets.token_hex(8)
        note = _note(f"{origin}/objects/{uid}", author, i, when)
        create = {"id": f"{origin}/activities/{uid}", "type": "Create", "actor": author, "to": note["to"],
                  "cc": note["cc"], "published": note["published"], "object": note}
        if local:  # the outbox's one copy, its Create naming it; the inbox's routing facts
            add(LocalObject(object_id=note["id"], author=ana, raw=note, addressees=note["to"] + note["cc"],
                            created_at=when))
            add(OutboxActivity(activity_id=create["id"], actor=ana, activity_type="Create", object_id=note["id"],
                               raw={**create, "object": note["id"]}, object_stored=True,
                               addressees=note["to"] + note["cc"], fanout=FANOUT_DONE, holder="",
                               created_at=when))
            stored, obj = routed(create), routing_form(note)
        else:
            stored, obj = create, note
        add(InboundActivity(activity_id=create["id"], raw=stored, activity_type="Create", local=local,
                            signer=None if local else author, state=PROCESSED, holder="", received_at=when,
                            processed_at=when))
        add(ReceivedObject(object_id=note["id"], raw=obj, attributed_to=author, updated_at=when))
        add(InboxItem(username=reader, activity_id=create["id"], seq=next_seq(), received_at=when))
        if (i + 1) % 1000 == 0:
            flush()
    flush()


def rate_and_p95(url: str, headers: dict, requests_: int) -> tuple[float, float, int]:
    """(requests per second, p95 latency in ms, non-200 answers) for ``requests_`` GETs by
    CONCURRENCY clients; a few first requests warm caches and are not timed."""
    sessions = [requests.Session() for _ in range(CONCURRENCY)]
    for session in sessions:
        assert session.get(url, headers=headers).status_code == 200

    def get(i: int) -> tuple[float, int]:
        begun = time.perf_counter()
        status = sessions[i % CONCURRENCY].get(url, headers=headers).status_code
        return time.perf_counter() - begun, status

    start = time.perf_counter()
    with cf.ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(get, range(requests_)))
    elapsed = time.perf_counter() - start
    latencies = sorted(t for t, _ in results)
    p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
    return requests_ / elapsed, p95, sum(1 for _, s in results if s != 200)


def bench_home_timeline(nodes: dict[str, Node], mongo, data_dir: Path) -> None:
    from bench.run import issue_token

    fr, de = nodes["fr"], nodes["de"]
    print(f"\n(6) home timeline: seeding {HOME_ITEMS:,} items in alice@fr's inbox…", flush=True)
    begun = time.perf_counter()
    _use_db_of(fr)
    seed_home(fr.spec.base_url, de.spec.base_url)
    print(f"    seeded in {time.perf_counter() - begun:.1f} s", flush=True)
    token = secrets.token_urlsafe(32)
    issue_token(mongo["archipel_fr"], "alice", token)
    headers = {"Authorization": f"Bearer {token}"}
    url = fr.spec.base_url + PAGE
    first = requests.get(url, headers=headers)
    assert first.status_code == 200 and len(first.json()) == 40, (first.status_code, first.text[:300])
    body = data_dir / "home-page.json"
    body.write_bytes(first.content)
    bare = ProcessSet(data_dir / "logs" / "bare-home", supervise=False)
    port = free_port()
    proc = bare.start("bare", fr.gunicorn_argv("bench.bare", port), {**fr.env, "BENCH_BARE_JSON": str(body)})
    try:
        wait_for_port(port, 60, proc)
        bare_rate, bare_p95, _ = rate_and_p95(f"http://127.0.0.1:{port}{PAGE}", headers, HOME_REQUESTS)
    finally:
        bare.stop()
    rate, p95, failed = rate_and_p95(url, headers, HOME_REQUESTS)
    print(f"    GET {PAGE} through the gateway ({fr.layout} layout, bearer token), {HOME_REQUESTS} requests, "
          f"{CONCURRENCY} concurrent clients, a {len(first.content):,}-byte page:\n"
          f"    {rate:,.1f} requests/s, p95 {p95:,.0f} ms{f' ({failed} failed)' if failed else ''}; "
          f"bare endpoint, same JSON: {bare_rate:,.0f}/s, p95 {bare_p95:,.1f} ms -> ratio {rate / bare_rate:.3f}",
          flush=True)
