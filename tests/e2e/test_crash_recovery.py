"""kill -9 of each kind of process during a burst of federation: bob@de posts to his
followers (alice@fr), so de's delivery worker sends Creates into fr's inbox while one
process is killed. The process comes back by itself (the launcher supervises), every
accepted post reaches alice's inbox exactly once, every delivery ends delivered, and
all is caught up within a minute of the restart (the measured time is printed).

The group here has its own database on disk: an in-memory SecantusDB killed -9 loses
everything, as would a production MongoDB without its volume.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests

from deploy.processes import Infra, Node, NodeSpec, load_or_create_secrets
from deploy.supervision import free_port
from tests.plugin import TEST_NODE_ENV, Group, wait_until

BURST = 20  # posts before the kill, and as many after it
CATCH_UP = 60.0  # seconds after the restart

# (where, process): an HTTP service, the gateway and every worker of a node, then the
# shared database and Redis.
CASES = [("fr", "inbox-worker"), ("de", "delivery-worker"), ("fr", "communities-worker"),
         ("fr", "inbox"), ("fr", "gateway"), ("infra", "redis"), ("infra", "secantusdb")]


@pytest.fixture(scope="module")
def crash_group():
    from fedkit.rules.registry import write_registry

    data_dir = Path(tempfile.mkdtemp(prefix="archipel-crash-"))
    infra = Infra(data_dir, free_port(), free_port(), in_memory=False)
    secrets_ = load_or_create_secrets(data_dir / "secrets.json")
    specs = {"fr": NodeSpec("fr", free_port(), ("alice",)), "de": NodeSpec("de", free_port(), ("bob",))}
    registry = data_dir / "group-registry.json"
    write_registry(registry, "crash", [(name, spec.base_url) for name, spec in specs.items()])
    nodes = {name: Node(spec, infra, secrets_, {**TEST_NODE_ENV, "ARCHIPEL_GROUP_REGISTRY": str(registry)}, 1)
             for name, spec in specs.items()}
    try:
        infra.start()
        for node in nodes.values():
            node.start()
        group = Group(infra, nodes, secrets_["demo_password"], None)
        fr, de = group["fr"], group["de"]
        fr.publish("alice", {"type": "Follow", "object": de.actor("bob")})
        wait_until(lambda: fr.actor("alice") in de.followers("bob"), timeout=60, message="alice to follow bob")
        yield group
    finally:
        for node in nodes.values():
            node.stop()
        infra.stop()
        if os.environ.get("ARCHIPEL_KEEP_TEST_LOGS"):
            print(f"test logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def publish_burst(de, count: int, label: str) -> list[str]:
    """bob's posts to his followers; only those the node accepted (201) count."""
    accepted = []
    for i in range(count):
        try:
            resp = de.post("bob", {"type": "Note", "content": f"{label} #{i}", "to": [f"{de.actor('bob')}/followers"]})
        except requests.RequestException:
            continue  # the node is down for a moment: the client's post failed, nothing was accepted
        if resp.status_code == 201:
            accepted.append(resp.json()["id"])
    return accepted


def applied(fr, ids: list[str]) -> int:
    try:
        return fr.db.inbox_items.count_documents({"username": "alice", "activity_id": {"$in": ids}})
    except Exception:  # the database is the process being killed
        return 0


def where_they_are(fr, de, ids: list[str]) -> dict:
    """The engine's view of the posts not yet applied (a failure's explanation)."""
    def count(collection, state_field):
        rows = collection.aggregate([{"$match": {"$or": [{"_id": {"$in": ids}}, {"activity_id": {"$in": ids}}]}},
                                     {"$group": {"_id": {"state": f"${state_field}", "holder": "$holder"},
                                                 "n": {"$sum": 1}}}])
        return [(r["_id"].get("state"), r["_id"].get("holder"), r["n"]) for r in rows]

    return {"fan-outs": count(de.db.outbox_activities, "fanout"), "deliveries": count(de.db.deliveries, "state"),
            "inbound": count(fr.db.inbound_activities, "state"), "applied": applied(fr, ids)}


@pytest.mark.parametrize(("where", "name"), CASES)
def test_kill_9_during_a_burst_recovers_by_itself(crash_group, where, name):
    fr, de = crash_group["fr"], crash_group["de"]
    procs = crash_group.infra.processes if where == "infra" else crash_group.nodes[where].processes
    restarts = procs.restarts.get(name, 0)
    accepted = publish_burst(de, BURST, f"before {name} dies")
    killed = procs.crash(name)
    killed_at = time.monotonic()
    accepted += publish_burst(de, BURST, f"while {name} restarts")
    wait_until(lambda: procs.restarts.get(name, 0) > restarts and procs.pid(name) not in (None, killed),
               timeout=60, message=f"{name} to come back by itself")
    back_at = time.monotonic()
    assert len(accepted) >= BURST, "the posts before the kill were accepted"
    try:
        wait_until(lambda: applied(fr, accepted) == len(accepted), timeout=CATCH_UP, interval=0.5,
                   message=f"all {len(accepted)} accepted posts in alice's inbox after {name} restarted")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; where they are: {where_they_are(fr, de, accepted)}") from None
    caught_up = time.monotonic() - back_at
    print(f"\nkill -9 {where} {name}: restarted {back_at - killed_at:.1f} s after the kill; "
          f"{len(accepted)} posts caught up {caught_up:.1f} s after the restart")
    # Exactly once, as alice's client sees it.
    seen = [item["id"] for item in fr.inbox("alice") if item["id"] in set(accepted)]
    assert sorted(seen) == sorted(accepted)
    # Every post delivered exactly once: one delivery to fr, delivered; fr stored each once.
    # A delivery sent just before its state could be written (the database was killed) is
    # sent again after a lease (fr ignores the repeat) and then recorded: wait for that.
    def all_delivered() -> list[dict] | None:
        found = list(de.db.deliveries.find({"activity_id": {"$in": accepted}}))
        return found if {d["state"] for d in found} == {"delivered"} else None

    deliveries = wait_until(all_delivered, timeout=CATCH_UP, interval=0.5, message="every delivery recorded delivered")
    assert len(deliveries) == len(accepted)
    # A worker killed after applying an activity but before recording it leaves it to the
    # next claim (after one lease): applied again without a second effect, then recorded.
    def recorded() -> list[dict] | None:
        stored = list(fr.db.inbound_activities.find({"_id": {"$in": accepted}}, {"state": 1}))
        return stored if {s["state"] for s in stored} == {"processed"} else None

    stored = wait_until(recorded, timeout=CATCH_UP, interval=0.5, message="every accepted post recorded processed")
    assert len(stored) == len(accepted)
    assert sorted(item["id"] for item in fr.inbox("alice") if item["id"] in set(accepted)) == sorted(accepted)


def test_kill_9_of_the_search_indexer_loses_no_index_event(crash_group):
    """The index stream holds what the killed indexer had not committed: its successor
    (restarted by the launcher) claims it after a lease and every post is found."""
    import uuid

    de = crash_group["de"]
    procs = crash_group.nodes["de"].processes
    restarts = procs.restarts.get("search-indexer", 0)
    word = "kw" + uuid.uuid4().hex[:8]
    accepted = publish_burst(de, BURST, f"before the indexer dies {word}")
    killed = procs.crash("search-indexer")
    accepted += publish_burst(de, BURST, f"while the indexer restarts {word}")
    wait_until(lambda: procs.restarts.get("search-indexer", 0) > restarts
               and procs.pid("search-indexer") not in (None, killed), timeout=60,
               message="the indexer to come back by itself")

    def found() -> int:
        resp = de.api("GET", "/api/v2/search", "bob", params={"q": word, "type": "statuses", "limit": 40})
        return len(resp.json()["statuses"]) if resp.status_code == 200 else 0

    wait_until(lambda: found() == len(accepted), timeout=CATCH_UP, interval=0.5,
               message=f"all {len(accepted)} posts found by their words after the indexer restarted")
