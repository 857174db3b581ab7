"""The usage observatory on an in-process node: what its people did, counted through the
gateway's API exactly, per community and per node, k-anonymous, as CSV and as Mastodon's
admin measures; the daily rollup stores a final day once."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

PEOPLE = ("ua", "ub", "uc", "ud", "ue")


@pytest.fixture
def world(node):
    from services.identity.credentials import digest
    from services.identity.models import Account, OAuthToken

    for name in ("boss", "nobody", *PEOPLE, "f1", "f2", "f3", "f4"):
        node.local_user(name)
    Account.objects(username="boss").update_one(set__roles=["node_admin"])
    for name, scope in (("boss", "read write"), ("nobody", "read write"), ("bossadmin", "admin:read")):
        OAuthToken(access_token_hash=digest(f"token-{name}"), client_id="app",
                   username="boss" if name == "bossadmin" else name, scope=scope).save()
    big = node.community("big", owner=node.actor("boss"), members=tuple(node.actor(p) for p in PEOPLE))
    small = node.community("small", owner=node.actor("f1"), members=tuple(node.actor(p) for p in ("f2", "f3", "f4")))
    return node, big, small


def bearer(name: str) -> dict:
    return {"Authorization": f"Bearer token-{name}"}


def activity_in(node, big, small):
    """In big: each of 5 people posts twice; 5 replies (one each); 5 likes. In small (4
    people): each posts once and asks a question."""
    posts = []
    for person in PEOPLE:
        for n in range(2):
            posts.append(node.publish(person, {"type": "Note", "content": f"{person} {n}", "to": [big]})["object"])
    node.run()
    for i, person in enumerate(PEOPLE):
        target = posts[(i * 2 + 2) % len(posts)]
        node.publish(person, {"type": "Note", "content": "re", "to": [big], "inReplyTo": target["id"]})
        node.publish(person, {"type": "Like", "object": target["id"]})
    for person in ("f1", "f2", "f3", "f4"):
        node.publish(person, {"type": "Note", "content": "anyone?", "to": [small]})
    node.run()


def usage(node, who="boss", **params):
    return node.gateway.get("/api/archipel/admin/usage", query_string=params, headers=bearer(who),
                            base_url=node.base)


def test_counts_equal_what_was_done_per_community_and_per_node_and_a_community_of_four_is_withheld(world):
    node, big, small = world
    activity_in(node, big, small)
    resp = usage(node, by="community")
    assert resp.status_code == 200, resp.text
    rows = {r["key"]: r for r in resp.json["rows"]}
    assert rows[big]["total"] == {"active_people": 5, "posts": 10, "replies": 5, "reactions": 5,
                                  "new_members": 0, "unanswered_questions": 0}
    today = rows[big]["days"][-1]
    assert today["day"] == dt.datetime.now(dt.UTC).date().isoformat() and today["values"]["posts"] == 10
    assert rows[big]["label"] == "big" and rows[big]["dormant"] is False
    held = rows[small]
    assert held["total"]["posts"] is None and held["total"]["active_people"] is None
    assert held["withheld"]["posts"] == "fewer than 5 people" and held["dormant"] is None

    node_row = usage(node, by="node").json["rows"][0]
    assert node_row["key"] == "fr" and node_row["total"]["posts"] == 14 and node_row["total"]["replies"] == 5
    assert node_row["total"]["reactions"] == 5 and node_row["total"]["new_members"] == 11  # accounts created today


def test_the_csv_has_a_line_per_day_and_an_empty_cell_for_what_is_withheld(world):
    node, big, small = world
    activity_in(node, big, small)
    resp = usage(node, by="community", format="csv", **{"from": dt.date.today().isoformat()})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    mine = [line for line in lines if line["key"] == big]
    assert [line["day"] for line in mine][-1] == "total" and mine[-1]["posts"] == "10"
    assert next(line for line in lines if line["key"] == small and line["day"] == "total")["posts"] == ""


def test_only_node_administrators_read_it_and_bad_periods_are_a_400(world):
    node, _big, _small = world
    assert usage(node, "nobody").status_code == 403
    assert node.gateway.get("/api/archipel/admin/usage", base_url=node.base).status_code == 401
    for params in ({"from": "2026-13-01"}, {"by": "mood"}, {"scope": "world"}, {"format": "xls"},
                   {"from": "2020-01-01", "to": "2020-12-31"}):
        resp = usage(node, **params)
        assert resp.status_code == 400 and resp.json["error"], params


def test_mastodon_measures_answer_with_mastodons_shape(world):
    node, big, small = world
    activity_in(node, big, small)
    today = dt.datetime.now(dt.UTC).date()
    body = {"keys": ["active_users", "new_users", "interactions", "opened_reports"],
            "start_at": (today - dt.timedelta(days=1)).isoformat(), "end_at": today.isoformat()}
    resp = node.gateway.post("/api/v1/admin/measures", json=body, headers=bearer("bossadmin"), base_url=node.base)
    assert resp.status_code == 200, resp.text
    found = {m["key"]: m for m in resp.json}
    assert set(found) == {"active_users", "new_users", "interactions"}
    assert found["interactions"]["total"] == "10" and found["new_users"]["total"] == "11"
    assert [d["value"] for d in found["interactions"]["data"]] == ["0", "10"]
    assert found["interactions"]["previous_total"] == "0"
    # Dimensions: Archipel's keys only (none of Mastodon's fits), active people per community
    body = {**body, "keys": ["archipel_communities", "languages"]}
    resp = node.gateway.post("/api/v1/admin/dimensions", json=body, headers=bearer("bossadmin"), base_url=node.base)
    assert resp.status_code == 200, resp.text
    (dimension,) = resp.json
    values = {d["key"]: d for d in dimension["data"]}
    assert dimension["key"] == "archipel_communities" and values[big]["value"] == "5"
    assert values[small]["value"] is None and values[small]["withheld"] == "fewer than 5 people"
    # read is not admin:read (Mastodon's scopes)
    assert node.gateway.post("/api/v1/admin/measures", json=body, headers=bearer("boss"),
                             base_url=node.base).status_code == 403


def test_the_rollup_stores_a_final_day_once_and_reads_it_back(world):
    from gateway.usage_days import UsageDay, rollup
    from services.identity.models import Account
    from services.outbox.models import LocalObject, OutboxActivity

    node, big, small = world
    activity_in(node, big, small)
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    for model in (LocalObject, OutboxActivity, Account):
        model.objects.update(set__created_at=old)
    stored = rollup(node.config, node.internal, days=5)
    assert old.date().isoformat() in stored
    assert rollup(node.config, node.internal, days=5) == []  # idempotent: nothing new to store
    LocalObject.objects.delete()  # the stored day no longer needs its sources
    rows = {r["key"]: r for r in usage(node, by="community", **{"from": old.date().isoformat(),
                                                                 "to": old.date().isoformat()}).json["rows"]}
    assert rows[big]["total"]["posts"] == 10 and rows[big]["total"]["replies"] == 5
    assert UsageDay.objects(day=old.date().isoformat()).count() == 1


def test_a_question_nobody_else_answered_in_48_hours_is_counted_on_the_day_it_was_asked(world):
    from services.outbox.models import LocalObject

    node, big, _small = world
    asked = {}
    for person in PEOPLE:  # five askers (k), each a question; ua's and ub's get an answer
        asked[person] = node.publish(person, {"type": "Note", "content": f"<p>Who knows {person}?</p>",
                                              "to": [big]})["object"]["id"]
    tagged = node.publish("ue", {"type": "Note", "content": "<p>Torque of M8</p>", "to": [big],
                                 "tag": [{"type": "Hashtag", "name": "#question"}]})["object"]["id"]
    node.run()
    node.publish("uc", {"type": "Note", "content": "me", "to": [big], "inReplyTo": asked["ua"]})
    node.publish("ud", {"type": "Note", "content": "me too", "to": [big], "inReplyTo": asked["ub"]})
    node.publish("uc", {"type": "Note", "content": "bump", "to": [big], "inReplyTo": asked["uc"]})  # its author
    node.run()
    # more than 48 hours ago, but not a final day yet (so it is computed again, not stored)
    day = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(hour=0, minute=0, second=1)
    LocalObject.objects(object_id__in=[*asked.values(), tagged]).update(set__created_at=day)
    rows = {r["key"]: r for r in usage(node, by="community", **{"from": day.date().isoformat()}).json["rows"]}
    days = {d["day"]: d["values"] for d in rows[big]["days"]}
    # uc (only answered by herself), ud, ue (twice: "?" and #question) — four askers: withheld
    assert days[day.date().isoformat()]["unanswered_questions"] is None
    again = [node.publish(p, {"type": "Note", "content": f"<p>And you, {p}?</p>", "to": [big]})["object"]["id"]
             for p in ("ua", "ub")]
    node.run()
    LocalObject.objects(object_id__in=again).update(set__created_at=day)
    rows = {r["key"]: r for r in usage(node, by="community", **{"from": day.date().isoformat()}).json["rows"]}
    days = {d["day"]: d["values"] for d in rows[big]["days"]}
    assert days[day.date().isoformat()]["unanswered_questions"] == 6  # ua's and ub's new ones, uc's, ud's, ue's two
