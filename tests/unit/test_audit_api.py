"""The audit trail for auditors (gateway/audit_api.py, gateway/audit_filters.py): filters,
address ranges, paging, the CSV export and its escaping, who may read it (auditors only,
not administrators) and that every read is itself in the trail with its filters."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from werkzeug.datastructures import MultiDict

from fedkit.runtime.csv_cells import safe_cell
from gateway import audit
from gateway.audit_filters import FilterError, parse
from services.identity.models import Account
from tests.unit.api_support import api_user

T0 = dt.datetime(2026, 3, 1, 12, 0, 0)


def test_filters_become_a_query():
    f = parse(MultiDict({"user": "alice", "method": "post", "path": "/api/v1/", "status": "4xx",
                         "from": "2026-03-01T12:00:00+01:00", "to": "2026-03-02", "address": "192.0.2.7"}))
    assert f.query["user"] == "alice" and f.query["method"] == "POST"
    assert f.query["path"] == {"$regex": "^/api/v1/"}
    assert f.query["status"] == {"$gte": 400, "$lt": 500}
    assert f.query["at"] == {"$gte": dt.datetime(2026, 3, 1, 11, 0), "$lte": dt.datetime(2026, 3, 2)}
    assert f.query["client_address"] == "192.0.2.7"
    assert parse({"path": "/a.b"}).query["path"] == {"$regex": r"^/a\.b"}  # a prefix, not a pattern


def test_an_address_range_matches_inside_it_only():
    f = parse({"address": "192.0.2.0/24"})
    assert f.admits("192.0.2.200") and not f.admits("192.0.3.1") and not f.admits(None)
    assert not f.admits("2001:db8::1")
    v6 = parse({"address": "2001:db8::/32"})
    assert v6.admits("2001:db8::1") and not v6.admits("192.0.2.1")


@pytest.mark.parametrize("args", [{"address": "not-an-ip"}, {"address": "10.0.0.0/40"}, {"from": "yesterday"},
                                  {"status": "99"}, {"method": "GE T"}, {"path": "api"}, {"limit": "x"},
                                  {"max_id": "zz"}, {"from": "2026-03-02", "to": "2026-03-01"}])
def test_bad_filters_are_refused(args):
    with pytest.raises(FilterError):
        parse(args)


@pytest.mark.parametrize(("value", "cell"), [("=1+1", "'=1+1"), ("+33 1", "'+33 1"), ("-2", "'-2"),
                                             ("@SUM(A1)", "'@SUM(A1)"), ("\t=x", "'\t=x"), ("GET", "GET"),
                                             (None, ""), (200, "200")])
def test_csv_cells_cannot_start_a_formula(value, cell):
    assert safe_cell(value) == cell


def _trail():
    rows = [dict(at=T0 + dt.timedelta(minutes=i), method="GET", path=f"/api/v1/p{i}", status=200,
                 user="alice" if i % 2 else "bob", client_address=f"192.0.2.{i}", application="=cmd|' /C calc'!A0")
            for i in range(6)]
    audit.AuditRecord._get_collection().insert_many(rows)


@pytest.fixture
def auditor(node):
    user = api_user(node, "alain")
    Account.objects(username="alain").update_one(set__roles=["auditor"])
    return user


def test_only_an_auditor_reads_it_administrators_included_get_404(node, auditor):
    admin = api_user(node, "alice")
    Account.objects(username="alice").update_one(set__roles=["node_admin", "moderator"])
    assert admin.get("/api/archipel/audit").status_code == 404
    assert node.gateway.get("/api/archipel/audit", base_url=node.base).status_code == 404
    assert auditor.get("/api/archipel/audit").status_code == 200
    # Nothing changes or deletes the trail through the API.
    assert auditor.post("/api/archipel/audit").status_code == 404
    assert node.gateway.delete("/api/archipel/audit", headers=auditor.headers, base_url=node.base).status_code == 404


def test_an_auditor_filters_by_user_time_and_range_newest_first_in_pages(node, auditor):
    _trail()
    resp = auditor.get("/api/archipel/audit", query_string={
        "user": "alice", "from": "2026-03-01T12:00:00Z", "to": "2026-03-01T12:10:00Z", "limit": 2})
    assert resp.status_code == 200
    assert [r["path"] for r in resp.json] == ["/api/v1/p5", "/api/v1/p3"]
    assert resp.json[0]["at"] == "2026-03-01T12:05:00Z" and resp.json[0]["address"] == "192.0.2.5"
    nxt = resp.headers["Link"]
    assert 'rel="next"' in nxt and "user=alice" in nxt
    second = auditor.get(nxt[nxt.index("/api/"):nxt.index(">")])
    assert [r["path"] for r in second.json] == ["/api/v1/p1"] and "Link" not in second.headers
    ranged = auditor.get("/api/archipel/audit", query_string={"address": "192.0.2.0/30", "path": "/api/v1/"})
    assert [r["path"] for r in ranged.json] == ["/api/v1/p3", "/api/v1/p2", "/api/v1/p1", "/api/v1/p0"]
    bad = auditor.get("/api/archipel/audit", query_string={"from": "last week"})
    assert bad.status_code == 400 and bad.json["error"] == "invalid_filter"


def test_the_csv_export_parses_and_is_safe_in_a_spreadsheet(node, auditor):
    _trail()
    resp = auditor.get("/api/archipel/audit", query_string={"format": "csv", "user": "bob"})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data(as_text=True)
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["path"] for r in rows] == ["/api/v1/p4", "/api/v1/p2", "/api/v1/p0"]
    assert rows[0]["application"] == "'=cmd|' /C calc'!A0" and rows[0]["status"] == "200"


def test_every_read_is_in_the_trail_with_its_filters(node, auditor):
    auditor.get("/api/archipel/audit", query_string={"user": "alice", "format": "csv"})
    audit.flush()
    read = audit.AuditRecord.objects(path="/api/archipel/audit").get()
    assert (read.user, read.status, read.method) == ("alain", 200, "GET")
    assert "user=alice" in read.query and "format=csv" in read.query
    # And the auditor sees their own read.
    mine = auditor.get("/api/archipel/audit", query_string={"user": "alain"}).json
    assert mine[0]["path"] == "/api/archipel/audit" and "user=alice" in mine[0]["query"]
