"""``make bench`` (4), or ``python -m bench.recovery``: how long fr's inbox worker takes
to catch up after a kill -9 while it works through a backlog of N Creates (BENCH_RECOVERY_N, 200) that
bob@de posted to alice@fr.

The inbox worker is stopped, bob posts N notes (fr accepts and stores them), the
worker starts and is killed -9 once it has applied a few; then the figure is the time
from the kill until every note is in alice's inbox, with the largest depth the inbox
queue reached meanwhile (a sweep that re-enqueues without de-duplication floods it).
Where the launcher does not restart the worker by itself, it is started again 1 s
after the kill, as someone running ``make run`` again would.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import redis

from deploy.processes import Infra, Node, NodeSpec, load_or_create_secrets
from deploy.supervision import free_port
from fedkit.rules.registry import write_registry
from tests.plugin import Group, wait_until


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    count = int(os.environ.get("BENCH_RECOVERY_N", "200"))
    data_dir = Path(tempfile.mkdtemp(prefix="archipel-recovery-"))
    secrets_ = load_or_create_secrets(data_dir / "secrets.json")
    infra = Infra(data_dir, free_port(), free_port(), in_memory=True)
    specs = {"fr": NodeSpec("fr", free_port(), ("alice",)), "de": NodeSpec("de", free_port(), ("bob",))}
    write_registry(data_dir / "group-registry.json", "bench", [(n, spec.base_url) for n, spec in specs.items()])
    env = {"ARCHIPEL_LOG_LEVEL": "WARNING", "ARCHIPEL_GROUP_REGISTRY": str(data_dir / "group-registry.json")}
    nodes = {name: Node(spec, infra, secrets_, env) for name, spec in specs.items()}
    try:
        infra.start()
        for node in nodes.values():
            node.start()
        group = Group(infra, nodes, secrets_["demo_password"], None)
        fr, de, fr_node = group["fr"], group["de"], nodes["fr"]
        fr.publish("alice", {"type": "Follow", "object": de.actor("bob")})
        wait_until(lambda: fr.actor("alice") in de.followers("bob"), timeout=120, message="alice to follow bob")

        fr_node.stop_process("inbox-worker", sig=signal.SIGKILL)
        with cf.ThreadPoolExecutor(4) as pool:
            ids = list(pool.map(lambda i: de.publish("bob", {"type": "Note", "content": f"backlog #{i}",
                                                              "to": [f"{de.actor('bob')}/followers"]})["id"],
                                range(count)))
        # fr answered 202 to each (they wait in its intake stream for the worker).
        wait_until(lambda: de.db.deliveries.count_documents({"activity_id": {"$in": ids}, "state": "delivered"})
                   == count, timeout=600, interval=1, message=f"fr to accept the {count} notes")

        def applied() -> int:
            return fr.db.inbox_items.count_documents({"username": "alice", "activity_id": {"$in": ids}})

        fr_node.start_worker("inbox-worker")
        wait_until(lambda: applied() >= max(1, count // 20), timeout=600, interval=0.05,
                   message="the worker to apply a few")
        procs = fr_node.processes
        now = dt.datetime.now(dt.UTC)
        held = fr.db.inbound_activities.count_documents(
            {"_id": {"$in": ids}, "state": "received", "lease_until": {"$gt": now}, "holder": {"$nin": ["", "queue"]}}
            if hasattr(procs, "restarts") else {"_id": {"$in": ids}, "state": "received", "lease_until": {"$gt": now}})
        done_before = applied()
        os.kill(procs.procs["inbox-worker"].pid, signal.SIGKILL)
        killed_at = time.monotonic()
        if not hasattr(procs, "restarts"):  # a launcher that does not supervise
            procs.procs.pop("inbox-worker").wait()
            time.sleep(1)
            fr_node.start_worker("inbox-worker")
        queue = redis.Redis.from_url(infra.redis_url)
        deepest = 0
        while applied() < count:
            deepest = max(deepest, queue.hlen("archipel-fr:inbox.msgs"))
            if time.monotonic() - killed_at > 900:
                print(f"not caught up after 900 s: {applied()} of {count}")
                return 1
            time.sleep(0.5)
        elapsed = time.monotonic() - killed_at
        print(f"\n(4) catch-up after a crash: fr's inbox worker killed -9 with {count - done_before} of {count} "
              f"notes not yet applied ({held} claimed by it): all applied {elapsed:.1f} s after the kill; "
              f"inbox queue at most {deepest} messages", flush=True)
        return 0
    finally:
        for node in nodes.values():
            node.stop()
        infra.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
