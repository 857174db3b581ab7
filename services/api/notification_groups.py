"""Mastodon 4.3's grouped notifications (docs.joinmastodon.org/methods/grouped_notifications/)
and the notification policy (docs.joinmastodon.org/methods/notifications/#get-policy).

The instance document announces ``api_versions.mastodon: 2``, so apps may read their
notifications here rather than at ``/api/v1/notifications``. Archipel does not group yet:
each notification is its own group (``ungrouped-<id>``, as Mastodon answers for the types
it never groups), built from the same entities as v1, so both lists always agree. Nothing
is filtered, and the policy says so.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from services.api.auth import require_scope
from services.api.entities import notifications_page
from services.api.pagination import page_params, paged_response

bp = Blueprint("notification_groups", __name__)


def _group(entity: dict) -> dict:
    group = {"group_key": entity["group_key"], "notifications_count": 1, "type": entity["type"],
             "most_recent_notification_id": entity["id"], "page_min_id": entity["id"],
             "page_max_id": entity["id"], "latest_page_notification_at": entity["created_at"],
             "sample_account_ids": [entity["account"]["id"]]}
    if entity.get("status"):
        group["status_id"] = entity["status"]["id"]
    return group


@bp.get("/api/v2/notifications")
@require_scope("read:notifications")
def index():
    entities, cursors = notifications_page(page_params(default=40, maximum=80))
    accounts = {e["account"]["id"]: e["account"] for e in entities}
    statuses = {e["status"]["id"]: e["status"] for e in entities if e.get("status")}
    body = {"accounts": list(accounts.values()), "statuses": list(statuses.values()),
            "notification_groups": [_group(e) for e in entities]}
    return paged_response(jsonify(body), cursors)


@bp.get("/api/v2/notifications/policy")
@require_scope("read:notifications")
def policy_v2():
    return jsonify({"for_not_following": "accept", "for_not_followers": "accept", "for_new_accounts": "accept",
                    "for_private_mentions": "accept", "for_limited_accounts": "accept",
                    "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}})


@bp.get("/api/v1/notifications/policy")
@require_scope("read:notifications")
def policy_v1():
    return jsonify({"filter_not_following": False, "filter_not_followers": False, "filter_new_accounts": False,
                    "filter_private_mentions": False,
                    "summary": {"pending_requests_count": 0, "pending_notifications_count": 0}})


@bp.get("/api/v1/notifications/requests")
@require_scope("read:notifications")
def requests():
    return jsonify([])  # nothing is filtered, so no notification waits for a decision
