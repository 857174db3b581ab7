"""The usage observatory's page (``/web/admin/usage``): the node's or the group's usage
figures through the gateway's ``/api/archipel/admin/usage`` (gateway/usage_api.py) with the
administrator's own token — a filter form (GET: period, dimension, node or group), a chart
per measure (inline SVG, services/web/usage_charts.py), the same figures as a table, and
the CSV download streamed from the API.

Who may read them is the API's answer: anyone but a node administrator gets this page's
404, as for a page that does not exist. Figures about fewer than 5 people come withheld
from the API and stay gaps here."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, request, stream_with_context
from flask_babel import format_number
from flask_babel import lazy_gettext as _l

from services.web.api_client import TIMEOUT, ApiError
from services.web.context import api, api_failure, render, signed_in
from services.web.usage_charts import bars, columns

bp = Blueprint("usage", __name__)

USAGE = "/api/archipel/admin/usage"
FIELDS = ("from", "to", "by", "scope")
DAILY = ("active_people", "active_weekly", "active_monthly", "posts", "replies", "reactions", "new_members",
         "unanswered_questions")
TOTALS = ("active_people", "posts", "replies", "reactions", "new_members", "unanswered_questions")
NAMES = {"active_people": _l("Active people"), "active_weekly": _l("Active people over 7 days"),
         "active_monthly": _l("Active people over 30 days"), "posts": _l("Posts"), "replies": _l("Replies"),
         "reactions": _l("Reactions"), "new_members": _l("New members"),
         "unanswered_questions": _l("Unanswered questions")}
DIMENSIONS = {"node": _l("Node"), "entity": _l("Entity"), "community": _l("Community")}
SCOPES = {"node": _l("This node"), "group": _l("The whole group")}


def _filters() -> dict[str, str]:
    found = {k: request.args[k].strip()[:20] for k in FIELDS if request.args.get(k, "").strip()}
    today = dt.datetime.now(dt.UTC).date()
    found.setdefault("to", today.isoformat())
    found.setdefault("from", (today - dt.timedelta(days=13)).isoformat())
    found.setdefault("by", "node")
    found.setdefault("scope", "node")
    return found


def _shown(value) -> str | None:
    return None if value is None else format_number(value)


def _view(report: dict) -> dict:
    """Charts and table rows for the template, numbers localised."""
    rows = [r for r in report.get("rows", []) if isinstance(r, dict)]
    if report.get("by") == "node":
        chosen = next((r for r in rows if r.get("key") == report.get("group")), None) if report.get("scope") == "group" \
            else None
        row = chosen or (rows[0] if rows else {"days": []})
        days = row.get("days", [])
        charts = [(name, NAMES[name], columns([(d["day"], d["values"].get(name)) for d in days])) for name in DAILY]
        table = [(d["day"], [_shown(d["values"].get(name)) for name in DAILY]) for d in days]
        return {"charts": charts, "columns": [NAMES[n] for n in DAILY], "table": table, "first": _l("Day")}
    charts = [(name, NAMES[name], bars([(r.get("label") or r["key"], r["total"].get(name)) for r in rows]))
              for name in TOTALS]
    table = [(r.get("label") or r["key"], [_shown(r["total"].get(name)) for name in TOTALS]) for r in rows]
    return {"charts": charts, "columns": [NAMES[n] for n in TOTALS], "table": table,
            "first": DIMENSIONS[report["by"]]}


@bp.get("/web/admin/usage")
@signed_in
def usage():
    filters = _filters()
    values = {"filters": filters, "dimensions": DIMENSIONS, "scopes": SCOPES, "shown": format_number}
    try:
        report = api().get(USAGE, **filters).body
    except ApiError as exc:
        if exc.status == 400:
            return render("usage_observatory.html", 400, report=None, view=None,
                          problem=exc.body.get("error_description") or exc.args[0], **values)
        if exc.status == 403:  # no administrator: no such page
            exc = ApiError(404, exc.args[0])
        return api_failure(exc)
    return render("usage_observatory.html", report=report, view=_view(report), problem=None, **values)


@bp.get("/web/admin/usage/export.csv")
@signed_in
def export():
    client = api()
    try:
        upstream = client.http.get(client.base + USAGE, params={**_filters(), "format": "csv"}, stream=True,
                                   timeout=TIMEOUT)
    except OSError:
        return api_failure(ApiError(503, "the node did not answer"))
    if upstream.status_code != 200:
        body = upstream.json() if upstream.headers.get("Content-Type", "").startswith("application/json") else {}
        status = 404 if upstream.status_code == 403 else upstream.status_code
        return api_failure(ApiError(status, body.get("error_description", ""), body))
    return Response(stream_with_context(upstream.iter_content(64 * 1024)), mimetype="text/csv",
                    headers={"Content-Disposition": upstream.headers.get("Content-Disposition",
                                                                        'attachment; filename="usage.csv"')})
