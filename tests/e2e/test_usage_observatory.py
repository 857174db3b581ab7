"""The usage observatory end to end, on the session's demo group (fr split, de compact):
five fresh employees of fr post, reply and react in a fresh community, three others in a
community of four; the observatory's counts equal what they did — per community exactly,
per node as the difference before/after (other tests use the same nodes today) — and
nothing is shown about the community of four. The CSV parses, the group-wide figures
gather de's answer over a signed request, and Mastodon.py's ``admin_measures`` reads
Mastodon's shape."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from mastodon import Mastodon

from tests.e2e.community_support import join_and_wait
from tests.e2e.test_mastodon_api import REDIRECT
from tests.plugin import wait_until

REPO = Path(__file__).resolve().parents[2]
WITHHELD = "fewer than 5 people"


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@pytest.fixture(scope="module")
def employees(group):
    """Eight new employees of fr: five for the big community, three for the small one."""
    suffix = uuid.uuid4().hex[:6]
    names = [f"obs{i}{suffix}" for i in range(8)]
    subprocess.run([sys.executable, "-m", "services.identity.manage", "seed", *names], cwd=REPO,
                   env=group.nodes["fr"].env, check=True, capture_output=True, timeout=120)
    return names[:5], names[5:]


def usage(fr, **params) -> dict:
    resp = fr.api("GET", "/api/archipel/admin/usage", "alice", params={"from": today(), "to": today(), **params})
    assert resp.status_code == 200, resp.text
    return resp.json()


def node_totals(fr) -> dict:
    return usage(fr, by="node")["rows"][0]["total"]


def in_inbox(fr, object_ids) -> bool:
    return fr.db.received_objects.count_documents({"_id": {"$in": list(object_ids)}}) == len(object_ids)


def post(fr, name: str, community: dict, text: str, **extra) -> str:
    return fr.publish(name, {"type": "Note", "content": text, "to": [community["id"]], **extra})["object"]["id"]


@pytest.mark.timeout(900)  # some forty posts, likes and joins, each through real processes
def test_the_observatory_counts_what_people_did_and_withholds_a_community_of_four(group, employees):
    fr = group["fr"]
    big_people, small_people = employees
    big = fr.create_community("alice", name="Observatory big", slug=f"obsbig{uuid.uuid4().hex[:6]}", openness="free")
    small = fr.create_community("alice", name="Observatory small", slug=f"obssmall{uuid.uuid4().hex[:6]}",
                                openness="free")
    for name in big_people:
        join_and_wait(fr, fr, name, big)
    for name in small_people:
        join_and_wait(fr, fr, name, small)

    def round_of(label: str) -> None:
        """Each of the five posts once, then replies to and likes another's post."""
        posts = [post(fr, name, big, f"{label} note by {name}") for name in big_people]
        wait_until(lambda: in_inbox(fr, posts), message="the posts in fr's inbox")
        for i, name in enumerate(big_people):
            target = posts[(i + 1) % 5]
            post(fr, name, big, "Agreed", inReplyTo=target)
            fr.publish(name, {"type": "Like", "object": target})

    # The first round makes today's node figures about at least five people: shown.
    round_of("First")
    wait_until(lambda: node_totals(fr)["reactions"] is not None, message="the node's reactions shown")
    before = node_totals(fr)
    round_of("Second")
    for name in small_people:
        post(fr, name, small, f"Small talk by {name}")

    def community_rows():
        return {row["key"]: row for row in usage(fr, by="community")["rows"]}

    wait_until(lambda: (community_rows().get(big["id"]) or {}).get("total", {}).get("reactions") == 10,
               message="the reactions counted")
    rows = community_rows()
    assert rows[big["id"]]["total"] == {"active_people": 5, "posts": 10, "replies": 10, "reactions": 10,
                                        "new_members": 5, "unanswered_questions": 0}
    assert rows[big["id"]]["label"] == "Observatory big" and rows[big["id"]]["withheld"] == {}
    held = rows[small["id"]]
    assert held["total"]["posts"] is None and held["total"]["active_people"] is None
    assert held["total"]["new_members"] is None and held["withheld"]["posts"] == WITHHELD

    after = node_totals(fr)
    assert after["posts"] - before["posts"] == 5 + 3
    assert after["replies"] - before["replies"] == 5
    assert after["reactions"] - before["reactions"] == 5

    # The CSV: the same figures, a withheld one an empty cell.
    resp = fr.api("GET", "/api/archipel/admin/usage", "alice",
                  params={"from": today(), "by": "community", "format": "csv"})
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(resp.text)))
    total = {line["key"]: line for line in lines if line["day"] == "total"}
    assert total[big["id"]]["posts"] == "10" and total[big["id"]]["reactions"] == "10"
    assert total[small["id"]]["posts"] == ""

    # The group's figures: de answers fr's signed request; its people did nothing in big.
    group_wide = usage(fr, by="community", scope="group")
    assert group_wide["nodes"] == ["fr", "de"] and group_wide["unreachable"] == []
    summed = {row["key"]: row for row in group_wide["rows"]}
    assert summed[big["id"]]["total"]["posts"] == 10 and summed[small["id"]]["total"]["posts"] is None
    by_node = {row["key"]: row for row in usage(fr, by="node", scope="group")["rows"]}
    assert set(by_node) == {"fr", "de", "test"}  # each node, and the group ("test", the registry's name)


def test_mastodon_measures_through_mastodon_py_and_refusals(group, employees):
    fr = group["fr"]
    for name in employees[0]:  # five people active today, whatever ran before
        assert fr.api("GET", "/api/v1/accounts/verify_credentials", name).status_code == 200
    scopes = ["read", "write", "follow", "admin:read"]
    client_id, client_secret = Mastodon.create_app("Observatory tests", scopes=scopes, redirect_uris=REDIRECT,
                                                   api_base_url=fr.base)
    admin = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=fr.base,
                     version_check_mode="created")
    admin.log_in("alice", fr.password, scopes=scopes, allow_http=True)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    found = {m["key"]: m for m in admin.admin_measures(start, dt.datetime.now(dt.UTC), active_users=True,
                                                       new_users=True, interactions=True, opened_reports=True)}
    assert set(found) == {"active_users", "new_users", "interactions"}
    assert len(found["active_users"]["data"]) == 2 and int(found["new_users"]["total"]) >= 8
    assert int(found["active_users"]["data"][-1]["value"]) >= 5

    # Anyone but a node administrator: 403; without a token: 401; a bad period: 400.
    assert fr.api("GET", "/api/archipel/admin/usage", "amelie").status_code == 403
    assert fr.http.get(f"{fr.base}/api/archipel/admin/usage").status_code == 401
    bad = fr.api("GET", "/api/archipel/admin/usage", "alice", params={"from": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_period"
