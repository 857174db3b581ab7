"""The moderators' queue, Mastodon's admin API where it fits
(docs.joinmastodon.org/methods/admin/reports/, /methods/admin/accounts/#action): the
reports this node holds — its users' and those other servers' Flags filed here — for an
account with the ``node_admin`` or ``moderator`` role, and the account actions that map to
Archipel (services/api/moderation.py). Anyone else: 403, as Mastodon answers a token
without the permission."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request

from services.api import ids, reports_upstream
from services.api.auth import require_scope
from services.api.errors import api_error, not_found
from services.api.moderation import ModerationError, act, is_moderator
from services.api.pagination import page_params, paged_response
from services.api.params import flag, params
from services.api.report_entities import admin_report_entity

bp = Blueprint("admin_reports", __name__)


def moderators_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not is_moderator(g.requester.user):
            return api_error(403, "This action is not allowed", "for the node's moderators and administrators")
        try:
            return view(*args, **kwargs)
        except ModerationError as exc:
            return api_error(exc.status, exc.message, exc.description)

    return wrapper


def _report(report_id: str) -> dict:
    report = reports_upstream.report(report_id)
    if report is None:
        raise ModerationError(404, "Record not found", "no such report")
    return report


@bp.get("/api/v1/admin/reports")
@require_scope("admin:read:reports")
@moderators_only
def index():
    """Unresolved reports unless ``resolved`` is set (Mastodon's Admin::ReportFilter)."""
    page = page_params(default=100, maximum=200)
    target_id = request.args.get("target_account_id")
    target = ids.actor_of(target_id) if target_id else None
    if target_id and target is None:
        return jsonify([])
    found = reports_upstream.queue(resolved=flag(request.args.get("resolved")), target=target,
                                   limit=page.limit, max_id=page.max_id, since_id=page.since_id or page.min_id)
    return paged_response(jsonify([admin_report_entity(r) for r in found]), [r["id"] for r in found])


@bp.get("/api/v1/admin/reports/<report_id>")
@require_scope("admin:read:reports")
@moderators_only
def show(report_id: str):
    return jsonify(admin_report_entity(_report(report_id)))


@bp.post("/api/v1/admin/reports/<report_id>/assign_to_self")
@require_scope("admin:write:reports")
@moderators_only
def assign_to_self(report_id: str):
    _report(report_id)
    return jsonify(admin_report_entity(reports_upstream.assign(report_id, g.requester.user)))


@bp.post("/api/v1/admin/reports/<report_id>/unassign")
@require_scope("admin:write:reports")
@moderators_only
def unassign(report_id: str):
    _report(report_id)
    return jsonify(admin_report_entity(reports_upstream.assign(report_id, None)))


@bp.post("/api/v1/admin/reports/<report_id>/resolve")
@require_scope("admin:write:reports")
@moderators_only
def resolve(report_id: str):
    """Resolved without an action (the reporter is told it was dismissed)."""
    _report(report_id)
    return jsonify(admin_report_entity(reports_upstream.resolve(
        report_id, moderator=g.requester.user, action="none", text="", status_uris=[])))


@bp.post("/api/v1/admin/accounts/<account_id>/action")
@require_scope("admin:write:accounts")
@moderators_only
def account_action(account_id: str):
    if ids.actor_of(account_id) is None:
        return not_found("no such account")
    act(g.requester.user, account_id, params())
    return jsonify({})
