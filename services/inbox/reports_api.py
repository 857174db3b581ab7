"""The inbox's internal moderation API (fedkit/contracts/reports.py): filing a local user's
report, the moderators' queue, assigning and resolving. The client API decided who is a
moderator; the use cases are in reports.py."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from fedkit.contracts import reports as contract
from fedkit.contracts import trails
from fedkit.protocol.jsonbody import request_json
from fedkit.runtime import clock, trail_pages
from fedkit.runtime.internal import internal_client
from fedkit.runtime.responses import error
from services.inbox import reports
from services.inbox.report_models import CATEGORIES, ModerationAction

bp = Blueprint("inbox_reports", __name__)


def _strings(data: dict, key: str) -> list[str] | None:
    value = data.get(key, [])
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def _cursor(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise ValueError(name)
    return int(raw)


@bp.post(contract.REPORTS)
def file_report():
    data = request_json()
    reporter, target = data.get("reporter_username"), data.get("target")
    lists = {k: _strings(data, k) for k in ("status_uris", "rule_ids", "communities")}
    comment, category = data.get("comment", ""), data.get("category", "other")
    if not isinstance(reporter, str) or not reporter or not isinstance(target, str) or not target \
            or None in lists.values() or not isinstance(comment, str) or category not in CATEGORIES:
        return error(400, "invalid_request", "post {reporter_username, target, status_uris[], comment, "
                                             f"category ({', '.join(CATEGORIES)}), rule_ids[], communities[], forward}}")
    report = reports.file_local(current_app.config["ARCHIPEL"], internal_client(), reporter_username=reporter,
                                target=target, comment=comment, category=category,
                                forward=data.get("forward") is True, **lists)
    return jsonify(reports.as_dict(report)), 201


@bp.get(contract.REPORTS)
def queue():
    resolved = {"1": True, "0": False}.get(request.args.get("resolved", ""))
    try:
        limit = max(1, min(int(request.args.get("limit", "100")), 200))
        max_id, since_id = _cursor("max_id"), _cursor("since_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a report id")
    found = reports.queue(resolved=resolved, limit=limit, max_id=max_id, since_id=since_id,
                          target=request.args.get("target") or None,
                          in_community=request.args.get("in_community") == "1")
    return jsonify(items=[reports.as_dict(r) for r in found])


@bp.get(contract.REPORT)
def one(number: str):
    try:
        return jsonify(reports.as_dict(reports.found(number)))
    except reports.ReportError as exc:
        return error(exc.status, exc.code, str(exc))


@bp.post(contract.REPORT_ASSIGN)
def assign(number: str):
    moderator = request_json().get("moderator")
    if moderator is not None and not (isinstance(moderator, str) and moderator):
        return error(400, "invalid_request", "post {moderator}: a username, or null to unassign")
    try:
        return jsonify(reports.as_dict(reports.assign(reports.found(number), moderator)))
    except reports.ReportError as exc:
        return error(exc.status, exc.code, str(exc))


@bp.post(contract.REPORT_RESOLVE)
def resolve(number: str):
    data = request_json()
    moderator, action, text = data.get("moderator"), data.get("action", "none"), data.get("text", "")
    status_uris, community = _strings(data, "status_uris"), data.get("community")
    if not isinstance(moderator, str) or not moderator or not isinstance(action, str) \
            or not isinstance(text, str) or status_uris is None or not isinstance(community, str | None):
        return error(400, "invalid_request", "post {moderator, action, text, status_uris[], community}")
    try:
        report = reports.resolve(current_app.config["ARCHIPEL"], internal_client(), reports.found(number),
                                 moderator=moderator, action=action, text=text, status_uris=status_uris,
                                 community=community)
    except reports.ReportError as exc:
        return error(exc.status, exc.code, str(exc))
    return jsonify(reports.as_dict(report))


@bp.post(contract.REPORT_REOPEN)
def reopen(number: str):
    moderator = request_json().get("moderator")
    if not isinstance(moderator, str) or not moderator:
        return error(400, "invalid_request", "post {moderator}")
    try:
        return jsonify(reports.as_dict(reports.reopen(reports.found(number), moderator)))
    except reports.ReportError as exc:
        return error(exc.status, exc.code, str(exc))


def _trail_row(doc: dict) -> dict:
    """A moderation action as the auditor API shows it (fedkit/contracts/trails.py's columns)."""
    return {"id": str(doc["_id"]), "at": clock.iso(doc["at"]), "moderator": doc.get("by"),
            "action": doc.get("action"), "report": doc.get("report"), "target": doc.get("target"),
            "statuses": " ".join(doc.get("status_uris") or ()), "reason": doc.get("reason") or "",
            "community": doc.get("community") or ""}


@bp.get(trails.MODERATION_ACTIONS)
def moderation_actions():
    """The moderation actions trail for the gateway's auditor API (who may read: the
    gateway's check). No address: the gateway's request trail has the moderator's."""
    try:
        query = trail_pages.from_wire(request.args, {"user": "by", "what": "action", "target": "target"})
    except trail_pages.TrailQueryError as exc:
        return error(400, "invalid_filter", str(exc))
    found = trail_pages.page(ModerationAction._get_collection(), query)
    return jsonify(items=[_trail_row(doc) for doc in found])
