"""The compact layout: one node in two processes, for a small subsidiary.

``deploy.compact_node:create_app()`` is the gateway with the four services mounted in
the same WSGI process (``fedkit.inproc``: the service contracts are unchanged — same
paths, headers and internal secret — only the socket is gone), and ``python -m
deploy.compact_node`` is one worker process running the inbox, delivery and communities
workers' tasks and sweeps. The scaled-out layout (one process per service, several
workers) runs exactly the same code; the launcher picks either (``ARCHIPEL_LAYOUT``).
"""

from __future__ import annotations

from dataclasses import replace

from flask import Flask

from fedkit import inproc
from fedkit.config import Config, load_config

SERVICES = ("identity", "inbox", "outbox", "communities")


def in_process_urls(config: Config) -> Config:
    return replace(config, **{f"{name}_url": f"http://{name}.inproc" for name in SERVICES})


def create_app(config: Config | dict | None = None) -> Flask:
    from gateway.app import create_app as gateway_app
    from services.communities.app import create_app as communities_app
    from services.identity.app import create_app as identity_app
    from services.inbox.app import create_app as inbox_app
    from services.outbox.app import create_app as outbox_app

    cfg = in_process_urls(load_config(config, needs_secret_key=True))
    for name, factory in (("identity", identity_app), ("inbox", inbox_app), ("outbox", outbox_app),
                          ("communities", communities_app)):
        inproc.mount(getattr(cfg, f"{name}_url"), factory(cfg))
    return gateway_app(cfg)
