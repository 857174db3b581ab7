"""The SCIM changes and moderation actions trails for auditors (``trail=scim|moderation``
on gateway/audit_api.py): the filters each trail takes (and the refusal of those it does
not), the services' wire endpoints (fedkit/contracts/trails.py), paging, the CSV export's
escaping, who may read them and that each read is itself in the requests trail."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from bson import ObjectId

from fedkit.runtime import trail_pages
from gateway import audit
from gateway.audit_filters import FilterError, trail_of, wire
from services.identity.models import Account
from services.identity.scim_audit import ScimChange
from services.inbox.report_models import ModerationAction
from tests.unit.api_support import api_user

T0 = dt.datetime(2026, 3, 1, 12, 0, 0)


@pytest.mark.parametrize("args", [{"trail": "everything"}, {"trail": "scim", "method": "GET"},
                                  {"trail": "scim", "target": "x"}, {"trail": "moderation", "address": "192.0.2.1"},
                                  {"trail": "moderation", "path": "/api"}, {"what": "create"}])
def test_a_filter_the_trail_does_not_take_is_refused(args):
    with pytest.raises(FilterError):
        trail_of(args)


def test_the_wire_query_of_a_service_trail_is_checked_and_normalised():
    f = wire({"user": "zoe", "what": "update", "address": "192.0.2.0/24", "from": "2026-03-01T13:00:00+01:00",
              "to": "2026-03-02", "limit": "1000", "max_id": str(ObjectId())}, "scim")
    assert f.query["from"] == "2026-03-01T12:00:00" and f.query["to"] == "2026-03-02T00:00:00"
    assert f.query["user"] == "zoe" and f.query["address"] == "192.0.2.0/24" and f.limit == 200
    assert f.given["trail"] == "scim" and "max_id" in f.query
    for bad in ({"address": "nowhere"}, {"from": "2026-03-02", "to": "2026-03-01"}, {"max_id": "zz"}):
        with pytest.raises(FilterError):
            wire(bad, "scim")


def test_a_service_reads_its_trail_with_the_wire_query():
    wire_query = trail_pages.from_wire({"user": "zoe", "address": "192.0.2.0/30", "limit": "2"},
                                       {"user": "username"}, address_field="client_address")
    assert wire_query.query == {"username": "zoe", "client_address": {"$exists": True}}
    assert wire_query.admits({"client_address": "192.0.2.3"}) and not wire_query.admits({"client_address": "192.0.2.4"})
    with pytest.raises(trail_pages.TrailQueryError):
        trail_pages.from_wire({"address": "192.0.2.1"}, {})  # a trail without addresses


def _scim_trail():
    for i in range(6):
        ScimChange(at=T0 + dt.timedelta(minutes=i), operation="update" if i % 2 else "create",
                   username="zoe" if i < 4 else "yann", attributes=["=cmd|' /C calc'!A0", "title"],
                   client_address=f"192.0.2.{i}").save()


def _moderation_trail():
    for i in range(4):
        ModerationAction(at=T0 + dt.timedelta(minutes=i), by="alice" if i % 2 else "bob",
                         action="delete_statuses" if i % 2 else "assign", report=i,
                         target="http://fr.test/users/zoe", status_uris=[f"http://fr.test/objects/{i}"],
                         reason="@SUM(A1) spam").save()


@pytest.fixture
def auditor(node):
    user = api_user(node, "alain")
    Account.objects(username="alain").update_one(set__roles=["auditor"])
    return user


def test_an_auditor_reads_the_scim_trail_with_filters_and_pages(node, auditor):
    _scim_trail()
    resp = auditor.get("/api/archipel/audit", query_string={
        "trail": "scim", "user": "zoe", "from": "2026-03-01T12:01:00Z", "limit": 2})
    assert resp.status_code == 200, resp.json
    assert [(r["operation"], r["address"]) for r in resp.json] == [("update", "192.0.2.3"), ("create", "192.0.2.2")]
    assert resp.json[0]["at"] == "2026-03-01T12:03:00Z" and resp.json[0]["user"] == "zoe"
    nxt = resp.headers["Link"]
    assert "trail=scim" in nxt and "user=zoe" in nxt
    second = auditor.get(nxt[nxt.index("/api/"):nxt.index(">")])
    assert [r["address"] for r in second.json] == ["192.0.2.1"] and "Link" not in second.headers
    ranged = auditor.get("/api/archipel/audit", query_string={"trail": "scim", "address": "192.0.2.4/31",
                                                              "what": "create"})
    assert [(r["user"], r["address"]) for r in ranged.json] == [("yann", "192.0.2.4")]
    refused = auditor.get("/api/archipel/audit", query_string={"trail": "scim", "status": "4xx"})
    assert refused.status_code == 400 and refused.json["error"] == "invalid_filter"


def test_an_auditor_reads_and_exports_the_moderation_trail(node, auditor):
    _moderation_trail()
    resp = auditor.get("/api/archipel/audit", query_string={"trail": "moderation", "user": "alice"})
    assert [(r["moderator"], r["action"], r["report"]) for r in resp.json] == [
        ("alice", "delete_statuses", 3), ("alice", "delete_statuses", 1)]
    assert resp.json[0]["statuses"] == "http://fr.test/objects/3"
    export = auditor.get("/api/archipel/audit", query_string={"trail": "moderation", "what": "assign",
                                                              "format": "csv"})
    assert export.status_code == 200 and export.mimetype == "text/csv"
    assert "audit-moderation.csv" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert list(rows[0]) == ["id", "at", "moderator", "action", "report", "target", "statuses", "reason", "community"]
    assert [(r["moderator"], r["report"], r["reason"]) for r in rows] == [
        ("bob", "2", "'@SUM(A1) spam"), ("bob", "0", "'@SUM(A1) spam")]  # shown as text in a spreadsheet
    no_address = auditor.get("/api/archipel/audit", query_string={"trail": "moderation", "address": "192.0.2.1"})
    assert no_address.status_code == 400


def test_the_scim_csv_export_reads_every_page_and_is_safe(node, auditor, monkeypatch):
    monkeypatch.setattr(trail_pages, "MAX_LIMIT", 4)  # two pages of the service's trail
    _scim_trail()
    export = auditor.get("/api/archipel/audit", query_string={"trail": "scim", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [r["address"] for r in rows] == [f"192.0.2.{i}" for i in range(5, -1, -1)]
    assert rows[0]["attributes"] == "'=cmd|' /C calc'!A0 title"


def test_only_an_auditor_reads_these_trails_and_each_read_is_audited(node, auditor):
    admin = api_user(node, "alice")
    Account.objects(username="alice").update_one(set__roles=["node_admin", "moderator"])
    for trail in ("scim", "moderation"):
        assert admin.get("/api/archipel/audit", query_string={"trail": trail}).status_code == 404
    auditor.get("/api/archipel/audit", query_string={"trail": "scim", "user": "zoe", "format": "csv"})
    audit.flush()
    read = audit.AuditRecord.objects(path="/api/archipel/audit", user="alain").get()
    assert read.status == 200 and "trail=scim" in read.query and "user=zoe" in read.query
