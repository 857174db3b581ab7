"""Inbox service: accepts verified activities, owns what users received and follow state."""

from __future__ import annotations

from flask import Flask

from fedkit.runtime.config import Config
from fedkit.runtime.service import create_service_app


def create_app(config: Config | dict | None = None, broker=None) -> Flask:
    from services.inbox import (
        acceptance,
        collections_api,
        favourites_api,
        fetched_objects,
        internal_api,
        polls_api,
        reports_api,
        search_api,
        subscriptions_api,
        tags_api,
        usage_api,
    )
    from services.inbox.models import INBOUND

    return create_service_app(__name__, "inbox", config, broker=broker, needs_queue=True,
                              blueprints=(acceptance.bp, collections_api.bp, internal_api.bp, polls_api.bp,
                                          search_api.bp, fetched_objects.bp, subscriptions_api.bp,
                                          favourites_api.bp, reports_api.bp, tags_api.bp, usage_api.bp), machines=(INBOUND,))
