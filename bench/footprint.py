"""``make bench`` (5): the resident memory of one idle node in each layout.

One node per layout (``split``: a process per service; ``compact``: two processes) is
started on a fresh embedded database, left idle for a few seconds, then the resident
set size of every process it started (gunicorn masters and their workers included) is
added up from /proc. The shared database and Redis are not counted: they are the
node's MongoDB and Redis, whatever the layout.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from deploy.processes import LAYOUTS, Infra, Node, NodeSpec, load_or_create_secrets
from deploy.supervision import free_port

IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "10"))


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def node_footprint(node: Node) -> tuple[int, float]:
    """(processes, resident MiB) of everything the node started."""
    tree, seen = _children(), []
    stack = [proc.pid for proc in node.processes.procs.values()]
    while stack:
        pid = stack.pop()
        seen.append(pid)
        stack.extend(tree.get(pid, []))
    return len(seen), sum(_rss_kib(pid) for pid in seen) / 1024


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    data_dir = Path(tempfile.mkdtemp(prefix="archipel-footprint-"))
    infra = Infra(data_dir, free_port(), free_port(), in_memory=True)
    secrets_ = load_or_create_secrets(data_dir / "secrets.json")
    nodes = [Node(NodeSpec(layout, free_port(), ("alice",)), infra, secrets_, {"ARCHIPEL_LOG_LEVEL": "WARNING"},
                  layout=layout) for layout in LAYOUTS]
    try:
        infra.start()
        for node in nodes:
            node.start()
        time.sleep(IDLE_SECONDS)  # idle on purpose: what a node holds when nobody uses it
        print(f"\n(5) resident memory of an idle node (gunicorn {nodes[0].gunicorn_workers} workers x 8 threads):")
        for node in nodes:
            count, mib = node_footprint(node)
            print(f"    {node.layout:<8} layout: {mib:,.0f} MiB in {count} processes")
        return 0
    finally:
        for node in nodes:
            node.stop()
        infra.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
