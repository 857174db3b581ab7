"""The group's people directory across the demo group, every process real: SCIM puts bob@de
in department Welding and alice@fr in Finance; alice at fr filters the group's directory by
department and finds bob (answered by de, asked with alice's signature) and not herself;
paula@partner, outside the group, asking de's own directory sees names and entities only and
may not filter on a department; Mastodon.py's ``directory()`` lists the accounts."""

from __future__ import annotations

import pytest

from tests.e2e.test_directory_profiles import ENTERPRISE, _directory
from tests.e2e.test_mastodon_statuses import password_app


@pytest.fixture(scope="module")
def departments(group):
    """bob@de in Welding (a welder, entity Archipel DE) and alice@fr in Finance, undone after."""
    fr, de = group["fr"], group["de"]
    _directory(de, "bob", ("replace", "title", "Welder"), ("replace", f"{ENTERPRISE}:department", "Welding"),
               ("replace", f"{ENTERPRISE}:organization", "Archipel DE"))
    _directory(fr, "alice", ("replace", f"{ENTERPRISE}:department", "Finance"),
               ("replace", f"{ENTERPRISE}:organization", "Archipel FR"))
    yield
    _directory(de, "bob", ("remove", "title", None), ("remove", f"{ENTERPRISE}:department", None),
               ("remove", f"{ENTERPRISE}:organization", None))
    _directory(fr, "alice", ("remove", f"{ENTERPRISE}:department", None),
               ("remove", f"{ENTERPRISE}:organization", None))


def test_alice_finds_bob_of_de_by_department_and_not_herself(group, departments):
    fr, de = group["fr"], group["de"]
    found = fr.api("GET", "/api/archipel/people", "alice", params={"department": "Welding"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["unreachable"] == []
    assert [(p["actor"], p["node"], p["title"], p["entity"]) for p in body["items"]] == \
        [(de.actor("bob"), "de", "Welder", "Archipel DE")]
    finance = fr.api("GET", "/api/archipel/people", "alice", params={"department": "finance"}).json()["items"]
    assert [p["actor"] for p in finance] == [fr.actor("alice")]
    everyone = fr.api("GET", "/api/archipel/people", "alice", params={"limit": 200}).json()
    names = [p["name"].casefold() for p in everyone["items"]]
    assert names == sorted(names) and {fr.actor("alice"), de.actor("bob")} <= {p["actor"] for p in everyone["items"]}
    assert fr.api("GET", "/api/archipel/people").status_code == 401  # for signed-in employees only


def test_outside_the_group_only_names_and_entities(group, departments):
    de, partner = group["de"], group["partner"]
    seen = partner.signed_fetch("paula", f"{de.base}/directory/people?entity=Archipel+DE")
    assert seen.status_code == 200, seen.text
    items = seen.json()["items"]
    assert [p["actor"] for p in items] == [de.actor("bob")]
    assert set(items[0]) == {"actor", "username", "acct", "name", "entity"}
    refused = partner.signed_fetch("paula", f"{de.base}/directory/people?department=Welding")
    assert refused.status_code == 400 and refused.json()["error"] == "filter_not_allowed", refused.text
    assert partner.signed_fetch("paula", f"{de.base}/directory/people?q=welder").json()["items"] == []


def test_mastodon_apps_list_the_directory(group, departments):
    fr, de = group["fr"], group["de"]
    alice = password_app(fr, "alice")
    local = alice.directory(local=True, limit=80)
    assert "alice" in [a["acct"] for a in local] and all("@" not in a["acct"] for a in local)
    whole = alice.directory(limit=80)
    bob = next(a for a in whole if a["url"] == de.actor("bob") or a["acct"] == f"bob@{de.host}")
    assert {f["name"]: f["value"] for f in bob["fields"]}["Department"] == "Welding"
