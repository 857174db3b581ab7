"""The auditors' page picks its trail (services/web/audit_pages.py): the requests, the
directory's SCIM changes or the moderators' actions, each with its own filters and
columns, in the page and in the downloads; a filter of another trail is left out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from services.identity.scim_audit import ScimChange
from services.inbox.report_models import ModerationAction
from tests.unit.web_support import page, sign_in, web_node

T0 = dt.datetime(2026, 3, 1, 12, 0, 0)


@pytest.fixture
def web(node, monkeypatch):
    from services.identity.models import Account

    node = web_node(node, monkeypatch)
    node.local_user("alain")
    Account.objects(username="alain").update(set__roles=["auditor"])
    for i in range(3):
        ScimChange(at=T0 + dt.timedelta(minutes=i), operation="update", username=f"zoe{i}",
                   attributes=["title"], client_address="192.0.2.9").save()
        ModerationAction(at=T0 + dt.timedelta(minutes=i), by="bob", action="delete_statuses", report=i,
                         target="http://fr.test/users/zoe", reason="=spam").save()
    return node


def test_the_form_offers_the_three_trails(web):
    alain = sign_in(web, "alain", headers={"Accept-Language": "fr"})
    text = page(alain, web, "/web/admin/audit", headers={"Accept-Language": "fr"}).text
    assert '<select id="audit-trail" name="trail"' in text
    assert 'value="requests" selected' in text and 'value="scim"' in text and 'value="moderation"' in text
    assert "Modifications de l’annuaire (SCIM)" in text and "Actions de modération" in text


def test_the_scim_trail_shows_its_columns_and_filters(web):
    alain = sign_in(web, "alain")
    # "method" belongs to the requests trail: left out rather than refused.
    resp = page(alain, web, "/web/admin/audit?trail=scim&user=zoe1&method=GET")
    assert resp.status_code == 200, resp.text
    assert 'value="scim" selected' in resp.text and 'id="audit-method"' not in resp.text
    assert "zoe1" in resp.text and "zoe2" not in resp.text and "title" in resp.text
    assert 'href="/web/admin/audit/export.csv?trail=scim&amp;user=zoe1"' in resp.text


def test_the_moderation_trail_in_the_page_and_the_downloads(web):
    alain = sign_in(web, "alain")
    resp = page(alain, web, "/web/admin/audit?trail=moderation&what=delete_statuses")
    assert resp.status_code == 200 and resp.text.count("delete_statuses</td>") == 3
    assert 'id="audit-address"' not in resp.text  # this trail keeps no address
    export = page(alain, web, "/web/admin/audit/export.csv?trail=moderation&user=bob")
    assert export.status_code == 200 and "audit-moderation.csv" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [(r["report"], r["reason"]) for r in rows] == [("2", "'=spam"), ("1", "'=spam"), ("0", "'=spam")]
    everything = json.loads(page(alain, web, "/web/admin/audit/export.json?trail=moderation").get_data(as_text=True))
    assert [r["report"] for r in everything] == [2, 1, 0]
