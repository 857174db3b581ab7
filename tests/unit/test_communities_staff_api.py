"""What a community's staff read to run it (services/communities): its settings as they
change them, its population by state with roles and partner expiries, and an invitation's
chosen expiry — in-process, through the gateway with bearer tokens (tests/inprocess.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from services.communities.models import Community, Membership
from tests.inprocess import MEMBER, OUTSIDE
from tests.unit.api_support import ApiUser

BOB, PAULA = f"{MEMBER}/users/bob", f"{OUTSIDE}/users/paula"


@pytest.fixture
def team(node):
    """``team`` (closed, admits partners): alice owns it; amelie is its moderator; arno and bob
    (de) are members; berta is no member."""
    for name in ("alice", "amelie", "arno", "berta"):
        node.local_user(name)
    node.community("team", owner=node.actor("alice"), openness="closed",
                   members=(node.actor("amelie"), node.actor("arno"), BOB))
    Community.objects(slug="team").update(set__admits_partners=True, set__description="Filler *rods*")
    Membership.objects(community="team", actor=node.actor("amelie")).update(set__role="moderator")
    return node


def as_user(node, name: str) -> ApiUser:
    return ApiUser(node, name)


def test_the_staff_read_the_members_with_their_roles(team):
    resp = as_user(team, "amelie").get("/communities/team/members")
    assert resp.status_code == 200, resp.text
    items = resp.json["items"]
    assert [(i["actor"], i["role"], i["state"], i["local"]) for i in items] == [
        (team.actor("alice"), "owner", "member", True), (team.actor("amelie"), "moderator", "member", True),
        (team.actor("arno"), "member", "member", True), (BOB, "member", "member", False)]
    # a member is no staff; someone who may not see a hidden community learns nothing
    assert as_user(team, "arno").get("/communities/team/members").status_code == 403
    Community.objects(slug="team").update(set__visibility="members")
    missing = as_user(team, "berta").get("/communities/nowhere/members")
    hidden = as_user(team, "berta").get("/communities/team/members")
    assert hidden.status_code == missing.status_code == 404 and hidden.json == missing.json


def test_banned_people_are_listed_apart_and_a_wrong_state_is_refused(team):
    alice = as_user(team, "alice")
    resp = alice.post("/communities/team/members", json={"action": "ban", "actor": team.actor("arno")})
    assert resp.status_code == 200, resp.text
    banned = alice.get("/communities/team/members?state=banned").json["items"]
    assert [i["actor"] for i in banned] == [team.actor("arno")]
    assert team.actor("arno") not in [i["actor"] for i in alice.get("/communities/team/members").json["items"]]
    resp = alice.get("/communities/team/members?state=owner")
    assert resp.status_code == 422 and resp.json["error"]


def test_a_partner_is_invited_until_a_chosen_day_within_the_nodes_limit(team):
    alice = as_user(team, "alice")
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).date()
    resp = alice.post("/communities/team/members",
                      json={"action": "invite", "actor": PAULA, "expires_at": day.isoformat()})
    assert resp.status_code == 200, resp.text
    [invited] = alice.get("/communities/team/members?state=invited").json["items"]
    assert invited["actor"] == PAULA and invited["partner"] is True
    # the access lasts through that day (UTC)
    assert invited["expires_at"] == f"{day + dt.timedelta(days=1)}T00:00:00Z"
    for wrong in ("yesterday", (day - dt.timedelta(days=60)).isoformat(),
                  (day + dt.timedelta(days=400)).isoformat(), 12):
        resp = alice.post("/communities/team/members", json={"action": "renew", "actor": PAULA, "expires_at": wrong})
        assert resp.status_code == 422 and resp.json["error"], wrong
    # without a date: the node's length (ARCHIPEL_PARTNER_MEMBERSHIP_DAYS)
    resp = alice.post("/communities/team/members", json={"action": "renew", "actor": PAULA})
    ends = dt.datetime.fromisoformat(resp.json["expires_at"].replace("Z", "+00:00"))
    assert abs(ends - dt.datetime.now(dt.UTC) - dt.timedelta(days=team.config.partner_membership_days)) \
        < dt.timedelta(minutes=5)


def test_the_staff_read_the_settings_as_they_change_them_and_their_own_role(team):
    resp = as_user(team, "alice").get("/communities/team/settings")
    assert resp.status_code == 200, resp.text
    body = resp.json
    assert (body["description"], body["openness"], body["posting"], body["admits_partners"], body["role"]) == \
        ("Filler *rods*", "closed", "members", True, "owner")
    assert body["members"] == 4 and body["owner"] == team.actor("alice")
    assert as_user(team, "amelie").get("/communities/team/settings").json["role"] == "moderator"
    assert as_user(team, "arno").get("/communities/team/settings").status_code == 403


def test_a_node_moderator_acts_as_a_moderator_not_as_a_manager(team):
    from services.identity.models import Account

    Account.objects(username="berta").update(set__roles=["moderator"])
    berta = as_user(team, "berta")
    assert berta.get("/communities/team/settings").json["role"] == "moderator"
    resp = berta.post("/communities/team/members", json={"action": "remove", "actor": BOB})
    assert resp.status_code == 403
