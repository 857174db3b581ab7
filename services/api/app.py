"""The client API service: the Mastodon REST API (docs.joinmastodon.org/methods/) that
every phone and desktop app speaks, behind the gateway (which checked the bearer token).
It owns no protocol logic: it reads and writes through the other services
(``services/api/upstream.py``)."""

from __future__ import annotations

from flask import Flask

from fedkit.runtime.config import Config
from fedkit.runtime.service import create_service_app


class TrailingSlashTolerant:
    """``/api/v1/instance/`` is ``/api/v1/instance``: some apps (Mastodon.py) add a slash."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if len(path) > 1 and path.endswith("/"):
            environ["PATH_INFO"] = path.rstrip("/") or "/"
        return self.wsgi_app(environ, start_response)


def create_app(config: Config | dict | None = None) -> Flask:
    from services.api import (
        absent,
        accounts,
        admin_erasure,
        admin_reports,
        apps,
        archipel_profile,
        archive_api,
        bookmarks,
        directory,
        edits,
        experts,
        favourites,
        followers,
        instance,
        interactions,
        markers,
        media,
        media_defaults,
        notification_groups,
        notifications,
        polls,
        profile,
        reports,
        search,
        statuses,
        streaming_render,
        tags,
        timelines,
    )
    from services.api.charter_guard import install_charter_guard
    from services.api.errors import install_error_handlers

    app = create_service_app(__name__, "api", config,
                             blueprints=(instance.bp, apps.bp, accounts.bp, media_defaults.bp, statuses.bp,
                                         timelines.bp, interactions.bp, notifications.bp, notification_groups.bp,
                                         media.bp, edits.bp, polls.bp, streaming_render.bp, search.bp, tags.bp, bookmarks.bp,
                                         markers.bp, followers.bp, profile.bp, absent.bp, favourites.bp,
                                         archipel_profile.bp, reports.bp, admin_reports.bp, archive_api.bp,
                                         directory.bp, experts.bp,  # GET /api/v1/directory, /api/archipel/experts
                                         admin_erasure.bp))  # legal holds, erasure (issue 12)
    app.json.sort_keys = False  # entities keep Mastodon's documented field order
    install_error_handlers(app)
    install_charter_guard(app)  # writes wait for the usage charter's acceptance
    app.wsgi_app = TrailingSlashTolerant(app.wsgi_app)
    return app
