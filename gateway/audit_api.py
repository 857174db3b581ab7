"""The audit trails for auditors: ``GET /api/archipel/audit`` (gateway/audit_filters.py
for the filters), JSON pages newest first with a Link header, or a CSV export
(``format=csv``, RFC 4180, streamed).

Three trails, one at a time (``trail``; each has its own columns, so a merged view would
be a table of mostly empty cells): ``requests`` (the default: every request this gateway
answered, its own ``audit`` collection), ``scim`` (what the group's directory changed
through SCIM, kept by identity) and ``moderation`` (what moderators did with reports, kept
by the inbox). The last two are read through fedkit/contracts/trails.py: the gateway
never reads another service's collection.

Separation of duties: only an account with the ``auditor`` role reads them; anyone else,
administrators included, gets the 404 of a path that does not exist. Reading is itself
audited: the gateway's request record of every read carries the filters and the trail
(``query``), and nothing here changes or deletes a record (GET only; the TTL alone
removes them).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import urlencode

from flask import Flask, Response, g, jsonify, request

from fedkit.contracts.identity import IdentityClient
from fedkit.contracts.trails import COLUMNS as TRAIL_COLUMNS
from fedkit.contracts.trails import Refused, TrailsClient
from fedkit.runtime import clock, trail_pages
from fedkit.runtime.config import Config
from fedkit.runtime.csv_cells import safe_cell
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.responses import error
from gateway.audit import AuditRecord
from gateway.audit_filters import REQUESTS, FilterError, Filters, WireFilters, parse, trail_of, wire
from gateway.auth import AuthError, bearer_identity

PATH = "/api/archipel/audit"
AUDITOR = "auditor"
COLUMNS = ("id", "at", "user", "signer", "address", "application", "method", "path", "query", "status", "error")
STORED = {"address": "client_address"}


def entity(doc: dict) -> dict:
    row = {name: doc.get(STORED.get(name, name)) for name in COLUMNS}
    row["id"], row["at"] = str(doc["_id"]), clock.iso(doc["at"])
    return row


def records(filters: Filters) -> Iterator[dict]:
    """Matching records, newest first (from ``max_id`` on, excluded)."""
    query = trail_pages.TrailQuery(query=filters.query, network=filters.network, max_id=filters.max_id)
    yield from trail_pages.records(AuditRecord._get_collection(), query)


def service_rows(client: TrailsClient, trail: str, filters: WireFilters) -> Iterator[dict]:
    """Every row of another service's trail the filters select, read page by page."""
    query = dict(filters.query)
    while True:
        rows = client.page(trail, {**query, "limit": trail_pages.MAX_LIMIT})
        yield from rows
        if len(rows) < trail_pages.MAX_LIMIT:
            return
        query["max_id"] = rows[-1]["id"]


def csv_lines(rows: Iterator[dict], columns: tuple[str, ...]) -> Iterator[str]:
    """RFC 4180: a header row, CRLF line ends, quotes where needed; one line at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(name)) for name in columns])
        if out.tell() > 64 * 1024:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def page(rows: list[dict], filters: Filters | WireFilters, base_url: str) -> Response:
    resp = jsonify(rows)
    if len(rows) == filters.limit:  # Mastodon's paging (docs.joinmastodon.org/api/guidelines/#pagination)
        more = {**filters.given, "limit": filters.limit, "max_id": rows[-1]["id"]}
        resp.headers["Link"] = f'<{base_url}{PATH}?{urlencode(more)}>; rel="next"'
    return resp


def first_rows(filters: Filters) -> list[dict]:
    rows = []
    for doc in records(filters):
        rows.append(entity(doc))
        if len(rows) == filters.limit:
            break
    return rows


def answer(trail: str, fmt: str, args, cfg: Config, internal: InternalClient) -> Response:
    """The trail's page or export (FilterError or Refused: a filter it cannot use)."""
    download = {"Content-Disposition": f'attachment; filename="audit-{trail}.csv"'}
    if trail == REQUESTS:
        filters = parse(args)
        if fmt == "csv":
            download["Content-Disposition"] = 'attachment; filename="audit.csv"'
            return Response(csv_lines(map(entity, records(filters)), COLUMNS), mimetype="text/csv",
                            headers=download)
        return page(first_rows(filters), filters, cfg.base_url)
    filters, client = wire(args, trail), TrailsClient(internal)
    if fmt == "csv":
        rows = service_rows(client, trail, filters)
        first = next(rows, None)  # asked now: a refused filter is a 400, not a broken download
        everything = rows if first is None else _chain(first, rows)
        return Response(csv_lines(everything, TRAIL_COLUMNS[trail]), mimetype="text/csv", headers=download)
    return page(client.page(trail, {**filters.query, "limit": filters.limit}), filters, cfg.base_url)


def _chain(first: dict, rest: Iterator[dict]) -> Iterator[dict]:
    yield first
    yield from rest


def install(app: Flask, cfg: Config, internal: InternalClient) -> None:
    """Serve the audit API on the gateway, which owns the ``audit`` collection."""

    def is_auditor(username: str | None) -> bool:
        account = IdentityClient(internal).active_account(username) if username else None
        return bool(account and AUDITOR in account.roles)

    @app.get(PATH)
    def audit_trail():
        try:
            identity = bearer_identity(request, internal)
        except AuthError as exc:
            g.audit_error = exc.code
            return exc.response()
        if identity is not None:
            g.identity = identity
        scopes = set((identity.scopes if identity else "").split())
        if identity is None or not scopes & {"read", "admin:read"} or not is_auditor(identity.user):
            g.audit_error = "not_auditor"
            return error(404, "not_found", "no such resource")
        g.audit_query = request.query_string.decode("latin-1")[:2000]  # what was read, in its record
        fmt = request.args.get("format", "json")
        if fmt not in ("json", "csv"):
            return error(400, "invalid_filter", "format must be json or csv")
        try:
            return answer(trail_of(request.args), fmt, request.args, cfg, internal)
        except (FilterError, Refused) as exc:
            return error(400, "invalid_filter", str(exc))
