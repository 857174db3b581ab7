"""An auditor reads the SCIM changes and the moderation actions trails of a real node over
HTTP (``trail=scim|moderation`` on gateway/audit_api.py, which asks identity and the inbox
through fedkit/contracts/trails.py): changes the test makes through SCIM and moderation
actions it makes through Mastodon's admin API, filtered and exported as CSV; the reads
are in the requests trail; anyone else (an administrator too) gets the 404 of a path
that does not exist."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

from tests.e2e.test_moderation import moderator_app
from tests.e2e.test_scim import USER_SCHEMA, patch, scim
from tests.plugin import wait_until

AUDITOR = "alain"  # the demo's auditor (fedkit/runtime/demo.py)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _trail(fr, **params):
    resp = fr.api("GET", "/api/archipel/audit", AUDITOR, params=params)
    assert resp.status_code == 200, resp.text
    return resp


def test_an_auditor_reads_and_exports_the_directorys_scim_changes(group):
    fr = group["fr"]
    start = _iso(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    name = f"scim.trail{uuid.uuid4().hex[:6]}"
    assert scim(fr, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": name}).status_code == 201
    assert scim(fr, "PATCH", f"/Users/{name}", patch("replace", "displayName", "=Trail")).status_code in (200, 204)
    assert scim(fr, "DELETE", f"/Users/{name}").status_code == 204  # closed again: the group as before

    rows = _trail(fr, trail="scim", user=name, **{"from": start}).json()
    assert [r["operation"] for r in rows] == ["delete", "update", "create"]  # newest first
    assert "displayName" in rows[1]["attributes"].split() and rows[0]["address"]
    loopback = _trail(fr, trail="scim", user=name, address="127.0.0.0/8", what="update").json()
    assert [r["operation"] for r in loopback] == ["update"]
    export = _trail(fr, trail="scim", user=name, format="csv")
    assert export.headers["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(export.text)))
    assert [r["operation"] for r in table] == ["delete", "update", "create"] and table[0]["user"] == name

    assert fr.api("GET", "/api/archipel/audit", "alice", params={"trail": "scim"}).status_code == 404
    refused = fr.api("GET", "/api/archipel/audit", AUDITOR, params={"trail": "scim", "method": "POST"})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_filter"


def test_an_auditor_reads_and_exports_the_moderation_actions(group):
    fr = group["fr"]
    start = _iso(dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    comment = f"trail check {uuid.uuid4().hex[:6]}"
    alain_id = fr.api("GET", "/api/v1/accounts/lookup", "amelie", params={"acct": AUDITOR}).json()["id"]
    filed = fr.api("POST", "/api/v1/reports", "amelie", json={"account_id": alain_id, "comment": comment})
    assert filed.status_code == 200, filed.text
    alice = moderator_app(fr, "alice")  # fr's administrator moderates
    report = filed.json()["id"]
    alice.admin_report_assign(report)
    alice.admin_report_resolve(report)  # dismissed: nothing else changes

    rows = _trail(fr, trail="moderation", user="alice", **{"from": start}).json()
    mine = [(r["action"], r["target"]) for r in rows if str(r["report"]) == report]
    assert mine == [("none", fr.actor(AUDITOR)), ("assign", fr.actor(AUDITOR))]
    assigned = _trail(fr, trail="moderation", what="assign", target=fr.actor(AUDITOR), **{"from": start}).json()
    assert [str(r["report"]) for r in assigned] == [report]
    export = _trail(fr, trail="moderation", user="alice", format="csv", **{"from": start})
    table = [r for r in csv.DictReader(io.StringIO(export.text)) if r["report"] == report]
    assert [r["action"] for r in table] == ["none", "assign"] and table[0]["moderator"] == "alice"

    assert fr.api("GET", "/api/archipel/audit", "alice", params={"trail": "moderation"}).status_code == 404

    def my_reads():  # the gateway writes its records within a fraction of a second
        reads = _trail(fr, user=AUDITOR, path="/api/archipel/audit", **{"from": start}).json()
        return [r for r in reads if "trail=moderation" in (r["query"] or "") and "format=csv" in r["query"]]

    assert wait_until(my_reads, timeout=20, message="the moderation export in the requests trail")
