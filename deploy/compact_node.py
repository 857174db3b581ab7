"""The compact layout: one node in two processes, for a small subsidiary.

``deploy.compact_node:create_app()`` is the gateway with the six services mounted in
the same WSGI process (``fedkit.runtime.inproc``: the service contracts are unchanged — same
paths, headers and internal secret — only the socket is gone), and ``python -m
deploy.compact_node`` is one worker process running the inbox, delivery and communities
workers' tasks and sweeps, and the streaming server and the search indexer in threads. The scaled-out layout
(one process per service, several workers) runs exactly the same code; the launcher picks either (``ARCHIPEL_LAYOUT``).
"""

from __future__ import annotations

import os
from dataclasses import replace

from flask import Flask

from fedkit.runtime import inproc
from fedkit.runtime.config import Config, load_config

SERVICES = ("identity", "inbox", "outbox", "communities", "api", "web", "search")
WORKER_THREADS = 8


def in_process_url(service: str) -> str:
    return f"http://{service}.inproc"


def in_process_config(config: Config) -> Config:
    """The config that calls the services mounted in this process."""
    return replace(config, **{f"{name}_url": in_process_url(name) for name in SERVICES})


def mount_services(config: Config) -> Config:
    """Mount the services in this process; returns the config that calls them there."""
    from services.api.app import create_app as api_app
    from services.communities.app import create_app as communities_app
    from services.identity.app import create_app as identity_app
    from services.inbox.app import create_app as inbox_app
    from services.outbox.app import create_app as outbox_app
    from services.search.app import create_app as search_app
    from services.web.app import create_app as web_app

    cfg = in_process_config(config)
    for name, factory in (("identity", identity_app), ("inbox", inbox_app), ("outbox", outbox_app),
                          ("communities", communities_app), ("api", api_app), ("web", web_app),
                          ("search", search_app)):
        inproc.mount(in_process_url(name), factory(cfg))
    return cfg


def create_app(config: Config | dict | None = None) -> Flask:
    """The node's one web process: the gateway, with the services it routes to inside it."""
    from gateway.app import create_app as gateway_app

    return gateway_app(mount_services(load_config(config, needs_secret_key=True)))


def build_workers(config: Config, broker):
    """Every worker's tasks on one broker; returns one sweep that runs each worker's."""
    from services.communities import worker as communities_worker
    from services.inbox import worker as inbox_worker
    from services.outbox import worker as delivery_worker

    config = mount_services(config)  # the workers' internal calls stay in this process too
    sweeps = [module.build(config, broker) for module in (inbox_worker, delivery_worker, communities_worker)]

    def sweep() -> None:
        for each in sweeps:
            each()

    return sweep


def main() -> None:
    from fedkit.runtime.queue import worker_main
    from services.communities.worker import QUEUE as COMMUNITIES_QUEUE
    from services.inbox.storing import QUEUE as INBOX_QUEUE
    from services.outbox.fanout import QUEUE as DELIVERY_QUEUE

    threads = int(os.environ.get("ARCHIPEL_DELIVERY_THREADS", str(WORKER_THREADS)))
    worker_main("worker", {INBOX_QUEUE, DELIVERY_QUEUE, COMMUNITIES_QUEUE}, build_with_streaming, threads=threads,
                sweep_interval=1.0)


def build_with_streaming(config: Config, broker):
    """The worker process's tasks, and the streaming server in a thread beside them (its
    calls to identity and the api stay in this process, as the workers' do)."""
    from deploy.retention import start_in_thread as start_retention
    from services.search.worker import start_in_thread as start_indexer
    from services.streaming.server import start_in_thread

    sweep = build_workers(config, broker)
    start_in_thread(in_process_config(config))  # build_workers mounted them
    start_indexer(config)  # the node's one index writer
    start_retention(in_process_config(config))  # the retention job's passes (deploy/retention.py)
    return sweep


if __name__ == "__main__":
    main()
