"""gunicorn settings every web process of a node runs with (``gunicorn -c
python:deploy.gunicorn_conf …``: the demo launcher, the Kubernetes manifests).

Metrics across gunicorn's worker processes: each worker counts requests in its own
memory, and a scrape reaches one worker only. So the workers write their counters to
prometheus-client's multiprocess files (``PROMETHEUS_MULTIPROC_DIR``) and a scrape adds
every worker's up (``fedkit/runtime/metrics.py``). The directory belongs to one gunicorn
(one process group): given, it is emptied here, in the master, before any worker starts
(files of a previous run would add old counts); not given, a fresh one is made in the
temporary directory. Running one worker per gunicorn instead would need no files, but the
threads of one Python process share one core: two workers use the two a node has.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_made_here = False


def _metrics_dir() -> str:
    global _made_here
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            if name.endswith(".db"):
                os.unlink(os.path.join(path, name))
    else:
        path = tempfile.mkdtemp(prefix="archipel-metrics-")
        _made_here = True
    # Set before a worker imports prometheus_client: it picks its mode at import.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path


_metrics_dir()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # drops a dead worker's live gauges (none today)


def on_exit(server) -> None:
    if _made_here:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
