"""The auditors' page (``/web/admin/audit``): the node's audit trails through the gateway's
``/api/archipel/audit`` (gateway/audit_api.py) with the auditor's own token — a filter form
(GET, no JavaScript) whose first field picks the trail (the requests, the directory's SCIM
changes, the moderators' actions), the records newest first with an "Older" link, and
downloads of what the filters select as CSV or JSON, streamed from the API. Each trail
has its own filters and columns; a filter of another trail (left in the address bar
after the trail changed) is left out, not sent to be refused.

Who is an auditor is the API's answer: it gives anyone else a 404, and so does this page.
Every view and download is a read of the trail, which the gateway records with its filters."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Blueprint, Response, request, stream_with_context

from services.web.api_client import TIMEOUT, ApiError
from services.web.context import api, api_failure, render, signed_in

bp = Blueprint("audit", __name__)

TRAIL = "/api/archipel/audit"
TRAILS = ("requests", "scim", "moderation")
# The filters each trail takes (as gateway/audit_filters.py), in the form's order.
FILTERS = {"requests": ("user", "signer", "address", "method", "path", "status", "from", "to"),
           "scim": ("user", "what", "address", "from", "to"),
           "moderation": ("user", "what", "target", "from", "to")}
PAGE = 50
EXPORT_PAGE = 200  # the API's largest page


def _read(client, **params):
    """A page of the trail (``client.get`` would take the ``path`` filter for its own argument)."""
    return client.call("GET", TRAIL, params={k: v for k, v in params.items() if v})


def _filters() -> dict[str, str]:
    """The form's filters as the API takes them, the trail first (left out: the default);
    a ``datetime-local`` value (no zone) is UTC."""
    trail = request.args.get("trail", "")
    trail = trail if trail in TRAILS else "requests"
    chosen = {k: request.args[k].strip()[:200] for k in FILTERS[trail] if request.args.get(k, "").strip()}
    return {"trail": trail, **chosen} if trail != "requests" else chosen


@bp.get("/web/admin/audit")
@signed_in
def trail():
    filters = _filters()
    max_id = request.args.get("max_id", "")[:40]
    try:
        answer = _read(api(), limit=PAGE, max_id=max_id, **filters)
    except ApiError as exc:
        if exc.status == 400:  # a filter the API cannot use: the form again, with its reason
            return render("audit_trail.html", 400, filters=filters, records=[], older=None, trails=TRAILS,
                          trail=filters.get("trail", "requests"),
                          problem=exc.body.get("error_description") or exc.args[0])
        return api_failure(exc)
    older = answer.links.get("next", {}).get("max_id")
    return render("audit_trail.html", filters=filters, records=answer.body, older=older, problem=None,
                  trails=TRAILS, trail=filters.get("trail", "requests"))


def _json_pages(client, first, filters: dict[str, str]) -> Iterator[str]:
    """One JSON array of every record the filters select, written page by page."""
    answer, separator = first, ""
    yield "["
    while True:
        for record in answer.body:
            yield separator + json.dumps(record)
            separator = ",\n"
        max_id = answer.links.get("next", {}).get("max_id")
        if not max_id:
            break
        answer = _read(client, limit=EXPORT_PAGE, max_id=max_id, **filters)
    yield "]\n"


@bp.get("/web/admin/audit/export.<any(csv, json):fmt>")
@signed_in
def export(fmt: str):
    filters = _filters()
    client = api()
    name = "audit" if "trail" not in filters else f"audit-{filters['trail']}"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    if fmt == "json":
        try:  # the first page answers now: a 404 (not an auditor) or a 400 is a page, not a file
            first = _read(client, limit=EXPORT_PAGE, **filters)
        except ApiError as exc:
            return api_failure(exc)
        return Response(stream_with_context(_json_pages(client, first, filters)), mimetype="application/json",
                        headers=headers)
    try:
        upstream = client.http.get(client.base + TRAIL, params={**filters, "format": "csv"}, stream=True,
                                   timeout=TIMEOUT)
    except OSError:
        return api_failure(ApiError(503, "the node did not answer"))
    if upstream.status_code != 200:
        body = upstream.json() if upstream.headers.get("Content-Type", "").startswith("application/json") else {}
        return api_failure(ApiError(upstream.status_code, body.get("error_description", ""), body))
    return Response(stream_with_context(upstream.iter_content(64 * 1024)), mimetype="text/csv", headers=headers)
