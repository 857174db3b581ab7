"""An auditor reads the audit trail of a real node over HTTP (gateway/audit_api.py): alice's
requests at fr filtered by user and time, a CSV export parsed with the csv module, and the
auditor's own read in the trail; an administrator does not even see that the API exists."""

from __future__ import annotations

import csv
import datetime as dt
import io

from tests.plugin import wait_until

AUDITOR = "alain"  # the demo's auditor (fedkit/runtime/demo.py)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_auditor_reads_and_exports_alices_requests_and_the_read_is_audited(group):
    fr = group["fr"]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    marker = "/api/v1/accounts/verify_credentials"
    for _ in range(3):
        assert fr.api("GET", marker, "alice", headers={"User-Agent": "=HYPERLINK(\"x\")"}).status_code == 200
    window = {"user": "alice", "from": _iso(start), "to": _iso(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)),
              "path": marker}

    def read():
        resp = fr.api("GET", "/api/archipel/audit", AUDITOR, params=window)
        assert resp.status_code == 200, resp.text
        return resp.json() if len(resp.json()) >= 3 else None

    rows = wait_until(read, timeout=20, message="alice's 3 requests in the trail")
    assert {(r["user"], r["method"], r["path"], r["status"]) for r in rows} == {("alice", "GET", marker, 200)}
    assert [r["at"] for r in rows] == sorted((r["at"] for r in rows), reverse=True)  # newest first

    export = fr.api("GET", "/api/archipel/audit", AUDITOR, params={**window, "format": "csv"})
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(export.text)))
    assert len(table) == 3 and {r["user"] for r in table} == {"alice"}
    assert table[0]["application"].startswith("'=HYPERLINK")  # shown as text in a spreadsheet

    # An administrator (alice is node_admin) gets the 404 of a path that does not exist.
    assert fr.api("GET", "/api/archipel/audit", "alice").status_code == 404

    def my_reads():
        resp = fr.api("GET", "/api/archipel/audit", AUDITOR, params={"user": AUDITOR, "path": "/api/archipel/audit"})
        return [r for r in resp.json() if "format=csv" in (r["query"] or "")]

    reads = wait_until(my_reads, timeout=20, message="the export in the trail")
    assert "user=alice" in reads[0]["query"] and reads[0]["status"] == 200
