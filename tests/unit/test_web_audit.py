"""The auditors' page of the web app (services/web/audit_pages.py) against the real node
in-process: the header's link for auditors only, the filter form and the table, paging,
the CSV and JSON downloads, and the 404 everyone else (administrators too) gets."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re

import pytest

from gateway import audit
from tests.unit.web_support import page, sign_in, web_node

T0 = dt.datetime(2026, 3, 1, 12, 0, 0)


@pytest.fixture
def web(node, monkeypatch):
    from services.identity.models import Account

    node = web_node(node, monkeypatch)
    node.local_user("alain")
    Account.objects(username="alice").update(set__roles=["node_admin"])
    Account.objects(username="alain").update(set__roles=["auditor"])
    audit.AuditRecord._get_collection().insert_many([
        dict(at=T0 + dt.timedelta(minutes=i), method="GET", path=f"/api/v1/p{i}", status=200 if i else 401,
             user="bob", client_address="192.0.2.9", application="@evil") for i in range(60)])
    return node


def test_only_auditors_see_the_link_and_the_page(web):
    alice, alain = sign_in(web, "alice"), sign_in(web, "alain")
    assert 'href="/web/admin/audit"' not in page(alice, web, "/web/home").text
    assert 'href="/web/admin/audit"' in page(alain, web, "/web/home").text
    for path in ("/web/admin/audit", "/web/admin/audit/export.csv", "/web/admin/audit/export.json"):
        assert page(alice, web, path).status_code == 404, path  # an administrator is no auditor
    assert page(alain, web, "/web/admin").status_code == 404  # nor is an auditor an administrator


def test_the_auditor_filters_pages_and_downloads(web):
    alain = sign_in(web, "alain", headers={"Accept-Language": "fr"})
    resp = page(alain, web, "/web/admin/audit?user=bob&from=2026-03-01T12:00&to=2026-03-01T13:00",
                headers={"Accept-Language": "fr"})
    assert resp.status_code == 200 and "Journal d’audit" in resp.text
    assert resp.text.count("<tr>") == 1 + 50  # the header row and a page of 50 (61 minutes, 60 records)
    assert "/api/v1/p59" in resp.text and "1 mars 2026" in resp.text  # newest first, a French date
    link = re.search(r'href="(/web/admin/audit\?[^"]*max_id=[^"]+)"', resp.text).group(1)
    older = page(alain, web, html.unescape(link))
    assert older.status_code == 200 and "/api/v1/p0<" in older.text and "/api/v1/p59" not in older.text
    bad = page(alain, web, "/web/admin/audit?address=nowhere")
    assert bad.status_code == 400 and "CIDR" in bad.text
    csv_resp = page(alain, web, "/web/admin/audit/export.csv?user=bob&status=401")
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(csv_resp.get_data(as_text=True))))
    assert [(r["path"], r["application"]) for r in rows] == [("/api/v1/p0", "'@evil")]
    by_path = page(alain, web, "/web/admin/audit?path=/api/v1/p1&user=bob")  # ("path" is also a parameter's name)
    assert by_path.status_code == 200 and by_path.text.count("<tr>") == 1 + 11  # p1, p10…p19
    everything = json.loads(page(alain, web, "/web/admin/audit/export.json?user=bob&path=/api/").get_data(as_text=True))
    assert len(everything) == 60 and everything[0]["path"] == "/api/v1/p59"
