"""Outbox service: C2S posting, ids, addressing, objects, and the delivery state."""

from __future__ import annotations

from flask import Flask

from fedkit.runtime.config import Config
from fedkit.runtime.service import create_service_app


def create_app(config: Config | dict | None = None, broker=None) -> Flask:
    from services.outbox import (
        actor_search,
        held,
        internal_api,
        media_fetch,
        polls_api,
        usage_api,
        web,
    )
    from services.outbox.models import DELIVERY, FANOUT

    return create_service_app(__name__, "outbox", config, broker=broker, needs_queue=True,
                              blueprints=(web.bp, held.bp, internal_api.bp, media_fetch.bp,
                                          polls_api.bp, actor_search.bp, usage_api.bp),
                              machines=(DELIVERY, FANOUT))
