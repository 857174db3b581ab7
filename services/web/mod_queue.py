"""The moderators' queue (``/web/admin/reports``) through Mastodon's admin API
(docs.joinmastodon.org/methods/admin/reports/, /methods/admin/accounts/#action): the open
reports (or the resolved ones), a report's page, and its actions, each after a
confirmation page (no JavaScript needed).

Who sees what is the API's answer: a node moderator every report and every action; a
community's moderator the reports about their community's posts, which they take or
dismiss (their community's own tools remove a post) or move to another community they
moderate (mod_move.py). The header's link comes from the session's cached answer
(settings_cache.moderates)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request
from flask_babel import gettext as _

from services.web import mod_move, settings_cache
from services.web.api_client import ApiError
from services.web.context import API_ID, api, api_failure, render, signed_in
from services.web.mod_words import category_label
from services.web.sessions import csrf_ok, current_viewer

bp = Blueprint("mod_queue", __name__)

REPORTS = "/api/v1/admin/reports"
TEXT_MAX = 5000  # the API's limit of a warning (services/api/moderation.py)
# The actions of a report's page: resolving ones on an open report, then reopening.
ACCOUNT_ACTIONS = {"delete_statuses": "delete_statuses", "sensitive": "sensitive", "exclude": "exclude",
                   "move": "move", "warn": "none"}  # the page's name -> the API's ``type``
ACTIONS = ("dismiss", *ACCOUNT_ACTIONS, "reopen")


@bp.app_context_processor
def _moderation_link():
    """Whether the header shows "Administration" to someone who only handles reports."""
    viewer = current_viewer()
    return {"moderates": settings_cache.moderates(viewer, api()) if viewer is not None else ""}


def _moderates() -> str:
    """"node" or "community"; anyone else gets the 404 of a page that does not exist."""
    found = settings_cache.moderates(current_viewer(), api())
    if found not in ("node", "community"):
        abort(404)
    return found


def offered(report: dict, moderates: str) -> list[str]:
    """The actions this page offers: the API would refuse the others (a node moderator's
    account actions apply to posts of this node; exclusion to a community's posts)."""
    if report.get("action_taken"):
        return ["reopen"]
    local = not (report.get("target_account") or {}).get("domain")
    movable = local and report.get("statuses") and report.get("communities")
    if moderates != "node":
        return ["dismiss", "move"] if movable else ["dismiss"]
    found = ["dismiss"]
    if local and report.get("statuses"):
        found += ["delete_statuses", "sensitive"]
    if report.get("communities"):
        found.append("exclude")
    if movable:
        found.append("move")
    if local:
        found.append("warn")
    return found


def reporter_words(report: dict) -> str:
    """The reporter: a person of this node, or the node that forwarded the report (its
    reporter's name stays there)."""
    account = report.get("account") or {}
    if account.get("domain"):
        return _("Forwarded by the node %(node)s", node=account["domain"])
    return "@" + ((account.get("account") or {}).get("acct") or account.get("username") or "")


def reported_name(report: dict) -> str:
    """``@alice`` (this node) or ``@bob@de.example``: whom the report is about."""
    target = report.get("target_account") or {}
    return "@" + ((target.get("account") or {}).get("acct") or target.get("username") or "")


def action_label(action: str) -> str:
    return {"dismiss": _("Dismiss (no action)"), "delete_statuses": _("Remove the posts"),
            "sensitive": _("Mark the posts sensitive"), "exclude": _("Exclude from the community"),
            "move": _("Move to another community"), "warn": _("Warn the author"), "reopen": _("Reopen")}[action]


def _helpers() -> dict:
    return {"category_label": category_label, "reporter_words": reporter_words, "action_label": action_label,
            "reported_name": reported_name}


@bp.get("/web/admin/reports")
@signed_in
def queue():
    moderates = _moderates()
    resolved = request.args.get("resolved") == "1"
    try:
        items = api().get(REPORTS, resolved="true" if resolved else None, limit=100).body
    except ApiError as exc:
        return api_failure(exc)
    return render("mod_queue.html", reports=items if isinstance(items, list) else [], resolved=resolved,
                  moderates=moderates, notice=request.args.get("notice"), **_helpers())


def _report(report_id: str) -> dict:
    if not API_ID.fullmatch(report_id):
        abort(404)
    return api().get(f"{REPORTS}/{report_id}").body


@bp.get("/web/admin/reports/<report_id>")
@signed_in
def report_page(report_id: str):
    moderates = _moderates()
    try:
        report = _report(report_id)
    except ApiError as exc:
        return api_failure(exc)
    return render("mod_report_page.html", report=report, actions=offered(report, moderates),
                  notice=request.args.get("notice"), **_helpers())


@bp.post("/web/admin/reports/<report_id>/assign")
@signed_in
def assign(report_id: str):
    if not csrf_ok():
        abort(400)
    _moderates()
    if not API_ID.fullmatch(report_id):
        abort(404)
    try:
        api().post(f"{REPORTS}/{report_id}/assign_to_self")
    except ApiError as exc:
        return api_failure(exc)
    return redirect(f"/web/admin/reports/{report_id}?notice=assigned", 303)


@bp.get(f"/web/admin/reports/<report_id>/<any({', '.join(ACTIONS)}):action>")
@signed_in
def confirm(report_id: str, action: str):
    moderates = _moderates()
    try:
        report = _report(report_id)
    except ApiError as exc:
        return api_failure(exc)
    if action not in offered(report, moderates):
        abort(404)
    targets = mod_move.targets(report, moderates) if action == "move" else []
    return render("mod_confirm.html", report=report, action=action, text_max=TEXT_MAX, targets=targets,
                  **_helpers())


@bp.post(f"/web/admin/reports/<report_id>/<any({', '.join(ACTIONS)}):action>")
@signed_in
def act(report_id: str, action: str):
    if not csrf_ok():
        abort(400)
    moderates = _moderates()
    client = api()
    text = (request.form.get("text") or "").strip()
    community = (request.form.get("community") or "").strip()[:64]
    try:
        report = _report(report_id)
        problem = None
        if action == "warn" and not text:
            problem = _("Please write the warning the author will read.")
        elif action == "move" and not community:
            problem = _("Please choose the community to move the posts to.")
        if problem:
            return render("mod_confirm.html", 422, report=report, action=action, text_max=TEXT_MAX, problem=problem,
                          targets=mod_move.targets(report, moderates) if action == "move" else [], **_helpers())
        if action in ("dismiss", "reopen"):
            client.post(f"{REPORTS}/{report_id}/{'resolve' if action == 'dismiss' else 'reopen'}")
        else:
            client.post(f"/api/v1/admin/accounts/{report['target_account']['id']}/action",
                        {"type": ACCOUNT_ACTIONS[action], "report_id": report_id, "text": text[:TEXT_MAX],
                         **({"community": community} if action == "move" else {})})
    except ApiError as exc:
        if exc.status in (403, 422):  # resolved meanwhile, not a post of this node…: say why
            return render("error.html", exc.status, title=_("This report was not changed"),
                          message=exc.body.get("error_description") or exc.args[0])
        return api_failure(exc)
    if action == "reopen":
        return redirect(f"/web/admin/reports/{report_id}?notice=reopened", 303)
    return redirect("/web/admin/reports?notice=resolved", 303)
