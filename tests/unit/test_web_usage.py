"""The usage page of the web app (services/web/usage_pages.py) against the real node
in-process: administrators only (a 404 for anyone else), a chart per measure drawn as
inline SVG without inline style, the accessible table, a withheld figure shown as such,
the CSV download, a bad period explained, in French too."""

from __future__ import annotations

import csv
import io

import pytest

from tests.unit.web_support import page, sign_in, web_node

PEOPLE = ("ua", "ub", "uc", "ud", "ue")


@pytest.fixture
def web(node, monkeypatch):
    from services.identity.models import Account

    node = web_node(node, monkeypatch)
    Account.objects(username="alice").update(set__roles=["node_admin"])
    for name in PEOPLE + ("f1", "f2"):
        node.local_user(name)
    big = node.community("big", owner=node.actor("alice"), members=tuple(node.actor(p) for p in PEOPLE))
    small = node.community("small", owner=node.actor("f1"), members=(node.actor("f2"),))
    for name in PEOPLE:
        node.publish(name, {"type": "Note", "content": f"hello from {name}", "to": [big]})
    node.publish("f2", {"type": "Note", "content": "just us?", "to": [small]})
    node.run()
    return node


def test_only_administrators_see_the_usage_page(web):
    bob = sign_in(web, "bob")
    for path in ("/web/admin/usage", "/web/admin/usage/export.csv"):
        assert page(bob, web, path).status_code == 404, path
    alice = sign_in(web, "alice")
    assert 'href="/web/admin/usage"' in page(alice, web, "/web/admin").text


def test_charts_table_and_csv_of_the_communities(web):
    alice = sign_in(web, "alice")
    resp = page(alice, web, "/web/admin/usage?by=community")
    assert resp.status_code == 200
    text = resp.text
    assert text.count('<svg class="usage-svg"') == 6 and "style=" not in text
    assert '<th scope="row">big</th><td>5</td><td>5</td>' in text  # active people, posts
    assert '<th scope="row">small</th><td><span class="usage-withheld">withheld</span>' in text
    assert 'class="usage-gap"' in text and "1 figure withheld (fewer than 5 people)." in text
    by_day = page(alice, web, "/web/admin/usage").text
    assert by_day.count('<svg class="usage-svg"') == 8 and "Active people over 30 days" in by_day
    csv_resp = page(alice, web, "/web/admin/usage/export.csv?by=community")
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    rows = [r for r in csv.DictReader(io.StringIO(csv_resp.get_data(as_text=True))) if r["day"] == "total"]
    assert {r["label"]: r["posts"] for r in rows} == {"big": "5", "small": ""}


def test_a_bad_period_is_explained_in_the_users_language(web):
    alice = sign_in(web, "alice", headers={"Accept-Language": "fr"})
    resp = page(alice, web, "/web/admin/usage?from=2020-01-01&to=2020-12-31", headers={"Accept-Language": "fr"})
    assert resp.status_code == 400 and "92" in resp.text and "Usages" in resp.text
    fine = page(alice, web, "/web/admin/usage?by=community", headers={"Accept-Language": "fr"})
    assert fine.status_code == 200, fine.text
    assert "1 chiffre masqué (moins de 5 personnes)." in fine.text and "Personnes actives" in fine.text

