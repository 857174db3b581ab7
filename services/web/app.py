"""The web app employees open in a browser: server-rendered pages (Flask, Jinja2) that
read and write everything through the node's Mastodon client API with the signed-in
user's own token (services/web/api_client.py), sign-in through the node's OAuth flow and
so the group's single sign-on (signin.py), htmx shipped under static/ for progressive
enhancement: every page reads and posts without JavaScript.

Routes: ``/`` (home, or the welcome page), ``/web/...`` (pages, forms, ``/web/static``).
"""

from __future__ import annotations

from flask import Flask, request

from fedkit.runtime.config import Config
from fedkit.runtime.service import create_service_app

# A strict policy: scripts and styles from this origin only (htmx is vendored, no inline
# code), no framing; avatars may come from other nodes.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")


def create_app(config: Config | dict | None = None) -> Flask:
    from services.web import attachments, edits, pages, people, poll_form, polls, posts, signin
    from services.web.admin_pages import bp as admin_bp
    from services.web.audit_pages import bp as audit_bp
    from services.web.charter_pages import bp as charter_bp
    from services.web.comm_actions import bp as comm_actions_bp
    from services.web.comm_pages import bp as comm_pages_bp
    from services.web.errors import install_error_handlers
    from services.web.experts_pages import bp as experts_bp
    from services.web.i18n import init_i18n
    from services.web.manage import bp as manage_bp
    from services.web.mod_queue import bp as mod_queue_bp
    from services.web.mod_report import bp as mod_report_bp
    from services.web.people_directory import bp as people_directory_bp
    from services.web.people_requests import bp as people_requests_bp
    from services.web.settings_pages import bp as settings_bp
    from services.web.settings_skills import bp as settings_skills_bp
    from services.web.tags import bp as tags_bp
    from services.web.usage_pages import bp as usage_bp

    blueprints = (signin.bp, pages.bp, edits.bp, posts.bp, people.bp, polls.bp, manage_bp, settings_bp,
                  admin_bp, comm_actions_bp, comm_pages_bp, tags_bp, mod_report_bp, mod_queue_bp, settings_skills_bp,
                  charter_bp, audit_bp, people_requests_bp, people_directory_bp, experts_bp, usage_bp)
    app = create_service_app(__name__, "web", config, blueprints=blueprints, static_url_path="/web/static")
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
    init_i18n(app)
    install_error_handlers(app)
    app.jinja_env.globals.update(media_accept=attachments.ACCEPT, max_files=attachments.MAX_FILES,
                                  poll_durations=poll_form.DURATIONS, poll_percent=poll_form.percent)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.path.startswith("/web/static/"):
            response.headers.setdefault("Cache-Control", "no-store")  # pages are per user
            response.vary.add("Cookie")
            response.vary.add("Accept-Language")
        return response

    return app
