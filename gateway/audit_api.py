"""The audit trail for auditors: ``GET /api/archipel/audit`` (gateway/audit_filters.py for
the filters), JSON pages newest first with a Link header, or a CSV export (``format=csv``,
RFC 4180, streamed).

Separation of duties: only an account with the ``auditor`` role reads it; anyone else,
administrators included, gets the 404 of a path that does not exist. Reading is itself
audited: the gateway's request record of every read carries the filters (``query``), and
nothing here changes or deletes a record (GET only; the TTL alone removes them).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from urllib.parse import urlencode

from flask import Flask, Response, g, jsonify, request

from fedkit.contracts.identity import IdentityClient
from fedkit.runtime import clock
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.responses import error
from gateway.audit import AuditRecord
from gateway.audit_filters import FilterError, Filters, parse
from gateway.auth import AuthError, bearer_identity

PATH = "/api/archipel/audit"
AUDITOR = "auditor"
COLUMNS = ("id", "at", "user", "signer", "address", "application", "method", "path", "query", "status", "error")
STORED = {"address": "client_address"}
# A spreadsheet runs a cell that starts with these as a formula (OWASP "CSV Injection"):
# such a cell gets a leading quote and is shown as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def entity(doc: dict) -> dict:
    row = {name: doc.get(STORED.get(name, name)) for name in COLUMNS}
    row["id"], row["at"] = str(doc["_id"]), clock.iso(doc["at"])
    return row


def records(filters: Filters) -> Iterator[dict]:
    """Matching records, newest first (from ``max_id`` on, excluded)."""
    query = dict(filters.query)
    collection = AuditRecord._get_collection()
    if filters.max_id is not None:
        last = collection.find_one({"_id": filters.max_id}, {"at": 1})
        if last is None:
            return
        query = {"$and": [query, {"$or": [{"at": {"$lt": last["at"]}},
                                          {"at": last["at"], "_id": {"$lt": filters.max_id}}]}]}
    for doc in collection.find(query).sort([("at", -1), ("_id", -1)]).batch_size(500):
        if filters.admits(doc.get("client_address")):
            yield doc


def csv_lines(filters: Filters) -> Iterator[str]:
    """RFC 4180: a header row, CRLF line ends, quotes where needed; one line at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for doc in records(filters):
        row = entity(doc)
        writer.writerow([safe_cell(row[name]) for name in COLUMNS])
        if out.tell() > 64 * 1024:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def page(filters: Filters, base_url: str) -> Response:
    rows = []
    for doc in records(filters):
        rows.append(entity(doc))
        if len(rows) == filters.limit:
            break
    resp = jsonify(rows)
    if len(rows) == filters.limit:  # Mastodon's paging (docs.joinmastodon.org/api/guidelines/#pagination)
        more = {**filters.given, "limit": filters.limit, "max_id": rows[-1]["id"]}
        resp.headers["Link"] = f'<{base_url}{PATH}?{urlencode(more)}>; rel="next"'
    return resp


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
        try:
            filters = parse(request.args)
        except FilterError as exc:
            return error(400, "invalid_filter", str(exc))
        fmt = request.args.get("format", "json")
        if fmt == "json":
            return page(filters, cfg.base_url)
        if fmt == "csv":
            return Response(csv_lines(filters), mimetype="text/csv",
                            headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
        return error(400, "invalid_filter", "format must be json or csv")
