"""The moderators' queue, Mastodon's admin API where it fits
(docs.joinmastodon.org/methods/admin/reports/, /methods/admin/accounts/#action): the
reports this node holds — its users' and those other servers' Flags filed here.

A node moderator or administrator sees and handles them all, and takes the account
actions that map to Archipel (services/api/moderation.py). A community's owner, managers
and moderators see and resolve the reports about posts addressed to their community (a
report they may not handle is a 404, as one that does not exist); the account actions are
the node moderators' (403 for anyone else)."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request

from services.api import ids, reports_upstream
from services.api.auth import require_scope
from services.api.errors import api_error, not_found
from services.api.moderation import ModerationError, act, is_moderator, may_act, moderates
from services.api.pagination import page_params, paged_response
from services.api.params import flag, params
from services.api.report_entities import admin_report_entity

bp = Blueprint("admin_reports", __name__)


def answering(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ModerationError as exc:
            return api_error(exc.status, exc.message, exc.description)
        except reports_upstream.Refused as exc:  # e.g. acting on a resolved report
            return api_error(exc.status, f"Validation failed: {exc.description}", exc.code)

    return wrapper


def _report(report_id: str) -> dict:
    """A report the requester may handle; else 404 (missing and not theirs alike)."""
    report = reports_upstream.report(report_id)
    if report is None or not moderates(report, g.requester.user):
        raise ModerationError(404, "Record not found", "no such report")
    return report


@bp.get("/api/v1/admin/reports")
@require_scope("admin:read:reports")
@answering
def index():
    """Unresolved reports unless ``resolved`` is set (Mastodon's Admin::ReportFilter)."""
    page = page_params(default=100, maximum=200)
    target_id = request.args.get("target_account_id")
    target = ids.actor_of(target_id) if target_id else None
    if target_id and target is None:
        return jsonify([])
    everything = is_moderator(g.requester.user)
    found = reports_upstream.queue(resolved=flag(request.args.get("resolved")), target=target,
                                   in_community=not everything, limit=page.limit, max_id=page.max_id,
                                   since_id=page.since_id or page.min_id)
    shown = found if everything else [r for r in found if moderates(r, g.requester.user)]
    return paged_response(jsonify([admin_report_entity(r) for r in shown]), [r["id"] for r in found])


@bp.get("/api/v1/admin/reports/<report_id>")
@require_scope("admin:read:reports")
@answering
def show(report_id: str):
    return jsonify(admin_report_entity(_report(report_id)))


@bp.post("/api/v1/admin/reports/<report_id>/assign_to_self")
@require_scope("admin:write:reports")
@answering
def assign_to_self(report_id: str):
    _report(report_id)
    return jsonify(admin_report_entity(reports_upstream.assign(report_id, g.requester.user)))


@bp.post("/api/v1/admin/reports/<report_id>/unassign")
@require_scope("admin:write:reports")
@answering
def unassign(report_id: str):
    _report(report_id)
    return jsonify(admin_report_entity(reports_upstream.assign(report_id, None)))


@bp.post("/api/v1/admin/reports/<report_id>/resolve")
@require_scope("admin:write:reports")
@answering
def resolve(report_id: str):
    """Resolved without an account action (the reporter is told it was dismissed; a
    community's moderator may have removed the post with the community's own tools)."""
    _report(report_id)
    return jsonify(admin_report_entity(reports_upstream.resolve(
        report_id, moderator=g.requester.user, action="none", text="", status_uris=[])))


@bp.post("/api/v1/admin/reports/<report_id>/reopen")
@require_scope("admin:write:reports")
@answering
def reopen(report_id: str):
    _report(report_id)
    return jsonify(admin_report_entity(reports_upstream.reopen(report_id, g.requester.user)))


@bp.post("/api/v1/admin/accounts/<account_id>/action")
@require_scope("admin:write:accounts")
@answering
def account_action(account_id: str):
    given = params()
    report = reports_upstream.report(str(given.get("report_id") or "")) if given.get("report_id") else None
    if not may_act(report or {}, g.requester.user, str(given.get("type") or "")):
        return api_error(403, "This action is not allowed", "for the node's moderators and administrators "
                                                            "(a move: also the community's)")
    if ids.actor_of(account_id) is None:
        return not_found("no such account")
    act(g.requester.user, account_id, given)
    return jsonify({})
