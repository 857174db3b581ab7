"""Notifications (docs.joinmastodon.org/methods/notifications/): list, show, dismiss, clear.

The inbox keeps what each user is told of (its handlers write a notification as they apply
a Like, Announce, Follow, mention or edit); this module shows them as Mastodon's
Notification entity (docs.joinmastodon.org/entities/Notification/). A notification whose
status the user may not see now (the policy hides it, or it was deleted) or whose account
cannot be shown is left out, as Mastodon leaves out a notification of a filtered status.
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from services.api import upstream
from services.api.auth import require_scope
from services.api.entities import notification_entity, notifications_page
from services.api.errors import not_found
from services.api.pagination import BadPage, page_params, paged_response
from services.api.params import listed
from services.api.personal_models import last_read
from services.api.upstream import BadCursor

bp = Blueprint("notifications", __name__)

@bp.get("/api/v1/notifications")
@require_scope("read:notifications")
def index():
    entities, cursors = notifications_page(page_params(default=40, maximum=80))
    return paged_response(jsonify(entities), cursors)


@bp.get("/api/v1/notifications/unread_count")
@require_scope("read:notifications")
def unread_count():
    """How many notifications came after the user's read position (the ``notifications``
    marker; none: all of them), up to ``limit`` (default 100, at most 1000), with the list's
    ``types[]``/``exclude_types[]`` (docs.joinmastodon.org/methods/notifications/#unread-count)."""
    raw = request.args.get("limit") or "100"
    if not (raw.isascii() and raw.isdigit()):
        raise BadPage("limit must be a number")
    limit = max(1, min(int(raw), 1000))
    since = last_read(g.requester.user, "notifications")
    count, cursor = 0, None
    while count < limit:
        asked = min(80, limit - count)
        try:
            items = upstream.notifications(types=listed("types"), exclude_types=listed("exclude_types"),
                                           limit=asked, max_id=cursor, since_id=since)
        except BadCursor:  # a marker that is no notification id: everything is unread
            since = None
            continue
        count += len(items)
        if len(items) < asked:
            break
        cursor = items[-1]["id"]
    return jsonify(count=count)


@bp.get("/api/v1/notifications/<number>")
@require_scope("read:notifications")
def show(number: str):
    item = upstream.notification(number)
    entity = notification_entity(item) if item else None
    return jsonify(entity) if entity else not_found("no such notification")


@bp.post("/api/v1/notifications/<number>/dismiss")
@require_scope("write:notifications")
def dismiss(number: str):
    if not upstream.dismiss_notification(number):
        return not_found("no such notification")
    return jsonify({})


@bp.post("/api/v1/notifications/clear")
@require_scope("write:notifications")
def clear():
    upstream.clear_notifications()
    return jsonify({})
