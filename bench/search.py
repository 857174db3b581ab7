"""``make bench``: full-text search over 100,000 posts and 10,000 people on one node.

One node (fr, split layout, in-memory SecantusDB) gets ``BENCH_SEARCH_PEOPLE`` accounts and
``BENCH_SEARCH_POSTS`` posts by 1,000 of them (a third public, a third to the group, a third
followers-only; words drawn from a French, English and German vocabulary), inserted as the
services store them (the outbox's one copy, the inbox's routing facts) by direct inserts,
not HTTP posts; their index events go on the node's index stream as the services queue
them, and the node's own indexer applies them (indexing rate). Then, as alice (who follows
50 of the authors):
- the search contract (POST /internal/search/posts to the search service, her audiences
  as the inbox names them): ``BENCH_SEARCH_QUERIES`` queries of one or two words, 8 clients;
- ``GET /api/v2/search?type=statuses`` through the gateway with a bearer token (the api,
  the inbox with its policy check, the outbox, identity behind it): ``BENCH_SEARCH_API``
  requests, 8 clients;
- ``GET /api/v2/search?type=accounts``: the same for people (ranked by expertise: it asks
  the expert finder too);
- ``GET /api/archipel/experts``: the expert finder ("who knows about" a declared skill or a
  word of the posts): the node's people matched on their profiles, the posts alice may see.
Queries per second, p50 and p95 latency of each.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis
import requests

from deploy.processes import Infra, Node, NodeSpec, load_or_create_secrets
from deploy.supervision import free_port
from fedkit.rules.registry import write_registry

POSTS = int(os.environ.get("BENCH_SEARCH_POSTS", "100000"))
PEOPLE = int(os.environ.get("BENCH_SEARCH_PEOPLE", "10000"))
QUERIES = int(os.environ.get("BENCH_SEARCH_QUERIES", "2000"))
API_REQUESTS = int(os.environ.get("BENCH_SEARCH_API", "300"))
AUTHORS, FOLLOWED, CONCURRENCY = 1000, 50, 8
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
WORDS = (
    "soudure contrôle qualité atelier sécurité réunion budget projet client fournisseur usine "
    "maintenance formation équipe planning livraison commande prototype essai norme audit "
    "welding quality safety meeting budget project customer supplier plant maintenance training "
    "team schedule delivery order prototype test standard audit review report figures "
    "Schweißen Qualität Sicherheit Besprechung Projekt Kunde Lieferant Werk Wartung Schulung "
    "Mannschaft Zeitplan Lieferung Bestellung Prüfung Norm Bericht Zahlen Entwicklung Montage"
).split()
FIRST = "alice anna bruno carla david emma felix greta hugo ines jan karin louis marie nils olga paul rosa".split()
SKILLS = ["TIG welding", "lean management", "Qualitätssicherung", "gestion de projet", "SAP", "CAO",
          "Python", "contrôle non destructif", "Logistik", "achats"]


def _use_db_of(node: Node) -> None:
    for key, value in node.env.items():
        if key.startswith(("ARCHIPEL_", "MONGODB_", "REDIS_")):
            os.environ[key] = value
    from fedkit.runtime.config import Config
    from fedkit.runtime.db import connect_db

    connect_db(Config.from_env())


def seed(node: Node, rng: random.Random) -> tuple[list[str], int]:
    """People, posts and follows in fr's database, and their index events on its stream.
    Returns (the authors alice follows, events queued)."""
    from fedkit.contracts import search
    from fedkit.rules.registry import load_registry
    from fedkit.runtime.config import Config
    from services.identity.models import Account
    from services.identity.people_index import event_of as person_event_of
    from services.inbox.local_posts import routing_form
    from services.inbox.models import FollowRelation, ReceivedObject
    from services.outbox.models import LocalObject

    config = Config.from_env()
    base, group = config.base_url, load_registry(config).audience
    stream = redis.Redis.from_url(config.redis_url)
    queued = 0

    def queue(events: list[dict]) -> None:
        nonlocal queued
        pipe = stream.pipeline(transaction=False)
        for event in events:
            pipe.xadd(search.stream_name(config), {"event": json.dumps(event)})
        pipe.execute()
        queued += len(events)

    from fedkit.protocol.keys import generate_rsa_keypair
    from fedkit.protocol.vocab import key_id_for
    from fedkit.runtime.keystore import ActorKey

    private_pem, public_pem = generate_rsa_keypair()  # one key for all (their Person documents show it)
    accounts = []
    for i in range(PEOPLE):
        name = f"{rng.choice(FIRST)}{i:05d}"
        accounts.append(Account(username=name, issuer="local", subject=name,
                                display_name=f"{name.capitalize()} {rng.choice(WORDS).capitalize()}",
                                summary=" ".join(rng.choices(WORDS, k=8)),
                                profile_fields=[{"name": "Skills", "value": rng.choice(SKILLS)}],
                                skills=rng.sample(SKILLS, 2)))
        if len(accounts) == 1000 or i == PEOPLE - 1:
            Account.objects.insert(accounts, load_bulk=False)
            ActorKey.objects.insert([ActorKey(actor_id=f"{base}/users/{a.username}",
                                              key_id=key_id_for(f"{base}/users/{a.username}"),
                                              private_pem=private_pem, public_pem=public_pem) for a in accounts],
                                    load_bulk=False)
            queue([person_event_of(a, config) for a in accounts])
            accounts = []
    authors = [f"{base}/users/{a.username}" for a in Account.objects.only("username").limit(AUTHORS)]
    followed = authors[:FOLLOWED]
    alice = f"{base}/users/alice"
    FollowRelation.objects.insert([FollowRelation(follower=alice, followee=a, state="accepted") for a in followed],
                                  load_bulk=False)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=POSTS)
    local, received, events = [], [], []
    for i in range(POSTS):
        author = authors[i % len(authors)]
        to = ([PUBLIC], [group], [f"{author}/followers"])[i % 3]
        when = start + dt.timedelta(seconds=i)
        note = {"id": f"{base}/objects/{secrets.token_hex(8)}", "type": "Note", "attributedTo": author,
                "published": when.isoformat(), "to": to, "cc": [],
                "content": "<p>" + " ".join(rng.choices(WORDS, k=rng.randint(8, 30))) + "</p>"}
        local.append(LocalObject(object_id=note["id"], author=author, raw=note, addressees=to, created_at=when))
        received.append(ReceivedObject(object_id=note["id"], raw=routing_form(note), attributed_to=author,
                                       seen_at=when, updated_at=when))
        events.append(search.post_event(note, author))
        if len(local) == 2000:
            LocalObject.objects.insert(local, load_bulk=False)
            ReceivedObject.objects.insert(received, load_bulk=False)
            queue(events)
            local, received, events = [], [], []
    if local:
        LocalObject.objects.insert(local, load_bulk=False)
        ReceivedObject.objects.insert(received, load_bulk=False)
        queue(events)
    return followed, queued


def measure(call, count: int) -> tuple[float, float, float, int]:
    """(calls per second, p50 and p95 latency in ms, failures) of ``count`` calls by CONCURRENCY clients."""
    def timed(i: int) -> tuple[float, bool]:
        begun = time.perf_counter()
        ok = call(i)
        return time.perf_counter() - begun, ok

    for i in range(CONCURRENCY):  # warm-up, not timed
        call(i)
    start = time.perf_counter()
    with cf.ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(timed, range(count)))
    elapsed = time.perf_counter() - start
    times = sorted(t for t, _ in results)
    p95 = statistics.quantiles(times, n=20)[-1] * 1000
    return count / elapsed, statistics.median(times) * 1000, p95, sum(1 for _, ok in results if not ok)


def queries(rng: random.Random, count: int) -> list[str]:
    return [" ".join(rng.sample(WORDS, rng.choice((1, 1, 2)))) for _ in range(count)]


def bench(node: Node) -> None:
    from bench.run import issue_token
    from fedkit.contracts.search import PUBLIC_AUDIENCE, SearchClient
    from fedkit.rules.policy import node_audience
    from fedkit.rules.registry import load_registry
    from fedkit.runtime.config import Config
    from fedkit.runtime.internal import InternalClient
    from services.search.indexer import backlog

    rng = random.Random(11)
    _use_db_of(node)
    config = Config.from_env()
    print(f"Full-text search — {POSTS:,} posts, {PEOPLE:,} people on one node ({node.layout} layout), "
          f"{os.cpu_count()} cores", flush=True)
    begun = time.perf_counter()
    followed, queued = seed(node, rng)
    seeded = time.perf_counter()
    print(f"    seeded the database and queued {queued:,} index events in {seeded - begun:.0f} s", flush=True)
    stream = redis.Redis.from_url(config.redis_url)
    while backlog(stream, config):
        time.sleep(1)  # the benchmark waits for the node's indexer, a separate process
    indexed = time.perf_counter() - seeded
    size = sum(f.stat().st_size for f in Path(config.search_root).iterdir())
    # The indexer applies events while they are queued: this is how far behind it was at the end.
    print(f"    the node's indexer (applying them as they came) had caught up {indexed:.0f} s after the last "
          f"was queued; index {size / 2**20:,.0f} MiB", flush=True)

    alice = f"{config.base_url}/users/alice"
    audience = [PUBLIC_AUDIENCE, load_registry(config).audience, node_audience(config.base_url), alice,
                *followed, *(f + "/followers" for f in followed)]
    client = SearchClient(InternalClient(config))
    words = queries(rng, QUERIES)
    hits = []

    def contract_query(i: int) -> bool:
        hits.append(len(client.posts(words[i % len(words)], audience=audience, viewer=alice, limit=40)))
        return True

    rate, p50, p95, _ = measure(contract_query, QUERIES)
    print(f"    search contract, posts (POST /internal/search/posts, alice's {len(audience)} audiences, "
          f"limit 40; {statistics.mean(hits):.0f} ids per answer on average): "
          f"{rate:,.0f} queries/s, p50 {p50:,.1f} ms, p95 {p95:,.1f} ms", flush=True)
    token = secrets.token_urlsafe(32)
    from pymongo import MongoClient

    issue_token(MongoClient(config.mongodb_uri)[config.db_name], "alice", token)
    sessions = [requests.Session() for _ in range(CONCURRENCY)]
    for session in sessions:
        session.headers["Authorization"] = f"Bearer {token}"
    failures: list[str] = []
    for kind in ("statuses", "accounts"):
        shown = []

        def api_query(i: int, kind=kind, shown=shown) -> bool:
            q = words[i % len(words)] if kind == "statuses" else rng.choice(FIRST + SKILLS)
            resp = sessions[i % CONCURRENCY].get(f"{config.base_url}/api/v2/search",
                                                 params={"q": q, "type": kind, "limit": 20})
            if resp.status_code == 200:
                shown.append(len(resp.json()[kind]))
            elif not failures:
                failures.append(f"{resp.status_code} {resp.text[:200]}")
            return resp.status_code == 200

        rate, p50, p95, failed = measure(api_query, API_REQUESTS)
        print(f"    GET /api/v2/search?type={kind}&limit=20 through the gateway (bearer token; "
              f"{statistics.mean(shown or [0]):.0f} results per answer on average): {rate:,.1f} requests/s, "
              f"p50 {p50:,.0f} ms, p95 {p95:,.0f} ms{f' ({failed} failed: {failures[0]})' if failed else ''}", flush=True)
    experts_bench(config, sessions, rng)


def experts_bench(config, sessions: list[requests.Session], rng: random.Random) -> None:
    """``GET /api/archipel/experts``: a declared skill, or a word of the posts, as alice."""
    failures: list[str] = []
    shown: list[int] = []
    asked = [rng.choice((rng.choice(SKILLS), rng.choice(WORDS))) for _ in range(API_REQUESTS)]

    def expert_query(i: int) -> bool:
        resp = sessions[i % CONCURRENCY].get(f"{config.base_url}/api/archipel/experts",
                                             params={"q": asked[i % len(asked)], "limit": 20})
        if resp.status_code == 200:
            shown.append(len(resp.json()))
        elif not failures:
            failures.append(f"{resp.status_code} {resp.text[:200]}")
        return resp.status_code == 200

    rate, p50, p95, failed = measure(expert_query, API_REQUESTS)
    print(f"    GET /api/archipel/experts?limit=20 (the expert finder: {PEOPLE:,} profiles matched, the "
          f"posts alice may see; {statistics.mean(shown or [0]):.0f} experts per answer on average): "
          f"{rate:,.1f} requests/s, p50 {p50:,.0f} ms, p95 {p95:,.0f} ms{f' ({failed} failed: {failures[0]})' if failed else ''}",
          flush=True)


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    data_dir = Path(tempfile.mkdtemp(prefix="archipel-bench-search-"))
    secrets_ = load_or_create_secrets(data_dir / "secrets.json")
    infra = Infra(data_dir, free_port(), free_port(), in_memory=True)
    spec = NodeSpec("fr", free_port(), ("alice",))
    write_registry(data_dir / "group-registry.json", "bench", [("fr", spec.base_url)])
    env = {"ARCHIPEL_LOG_LEVEL": "WARNING", "ARCHIPEL_GROUP_REGISTRY": str(data_dir / "group-registry.json"),
           **{f"ARCHIPEL_RATE_LIMIT_{k}": "1000000000" for k in ("USER", "ADDRESS", "REMOTE", "MEMBER")}}
    node = Node(spec, infra, secrets_, env, layout=os.environ.get("BENCH_SEARCH_LAYOUT", "split"))
    try:
        infra.start()
        node.start()
        bench(node)
        return 0
    finally:
        node.stop()
        infra.stop()
        if os.environ.get("BENCH_KEEP"):
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
