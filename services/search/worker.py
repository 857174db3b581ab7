"""The search indexer process: ``python -m services.search.worker`` (split layout; in the
compact layout a thread of the node's worker process). One per node: tantivy allows one
writer per index."""

from __future__ import annotations

import signal
import threading

from fedkit.runtime.config import Config
from services.search import indexer


def start_in_thread(config: Config, stop: threading.Event | None = None) -> threading.Thread:
    stop = stop or threading.Event()
    thread = threading.Thread(target=indexer.run, args=(config, stop), name="search-indexer", daemon=True)
    thread.start()
    return thread


def main() -> None:
    from fedkit.runtime.logs import setup_logging

    config = Config.from_env()
    setup_logging("search-indexer", config)
    if config.metrics_port:  # /livez, /readyz, /metrics for a pod's probes, as the other workers
        from fedkit.runtime import health

        health.serve(config, health.Readiness(*health.standard_checks(config, needs_redis=True)),
                     host="127.0.0.1" if config.dev_mode else "0.0.0.0")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    indexer.run(config, stop)


if __name__ == "__main__":
    main()
