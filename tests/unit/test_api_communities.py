"""Communities and audiences in the client API: a community as an Account entity
(docs.joinmastodon.org/entities/Account/#group), what the communities service tells the
api about a local community (in-process), the api's refusals before joining or posting,
and what an app's ``public`` means on a node (ARCHIPEL_API_PUBLIC_MEANS)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from fedkit.contracts.communities import CommunitiesClient
from fedkit.protocol.vocab import PUBLIC
from fedkit.runtime.config import Config
from tests.inprocess import BASE, MEMBER
from tests.unit.test_api_entities import ACCOUNT, assert_shape

BOB = f"{MEMBER}/users/bob"
REMOTE_GROUP = f"{MEMBER}/communities/lean"


# -- the entity ----------------------------------------------------------------------------
def test_a_community_is_an_account_with_group_true():
    from services.api.converter import Counts, account
    from services.communities.converter import group_json
    from services.communities.models import Community

    community = Community(slug="welding", actor_id=f"{BASE}/communities/welding", name="Welding experts",
                          description="Filler rods, <b>gases</b>", openness="open", owner=f"{BASE}/users/alice")
    document = group_json(community, "PEM", Config(base_url=BASE))
    entity = account(document, account_id="7", base_url=BASE, counts=Counts(statuses=3, followers=12))
    assert_shape(entity, ACCOUNT)
    assert entity["group"] is True and entity["bot"] is False
    assert (entity["username"], entity["acct"], entity["display_name"]) == ("welding", "welding", "Welding experts")
    assert entity["note"] == "Filler rods, <b>gases</b>"
    assert entity["locked"] is True  # open: a manager approves; free would be False
    assert entity["url"] == entity["uri"] == community.actor_id
    assert (entity["followers_count"], entity["statuses_count"], entity["following_count"]) == (12, 3, 0)


# -- what the communities service answers the api (in-process) -------------------------------
@pytest.fixture
def team(node):
    for name in ("alice", "amelie", "arno"):
        node.local_user(name)
    node.bob = node.remote_actor(BOB)
    node.community("team", owner=node.actor("alice"), members=(node.actor("amelie"), BOB))
    node.community("exec", owner=node.actor("alice"), visibility="members", openness="closed")
    return node


def _client(node) -> CommunitiesClient:
    return CommunitiesClient(node.internal)


def test_a_local_community_as_its_reader_sees_it(team):
    member = _client(team).account("team", user="amelie", scopes=("read",))
    assert member["document"]["type"] == "Group" and member["document"]["id"] == f"{BASE}/communities/team"
    assert (member["members"], member["posts"]) == (3, 0)
    assert (member["membership"], member["role"], member["may_post"]) == ("member", "member", None)
    outsider = _client(team).account("team", user="arno", scopes=("read",))
    assert (outsider["membership"], outsider["may_post"]) == (None, "not a member")
    # a hidden community is nothing to a non-member, as it does not exist
    assert _client(team).account("exec", user="arno", scopes=("read",)) is None
    assert _client(team).account("nothing", user="arno", scopes=("read",)) is None
    assert _client(team).account("exec", user="alice", scopes=("read",))["role"] == "owner"


def test_a_communitys_relays_are_its_announces_newest_first_and_paged(team):
    for n in (1, 2):
        obj = {"id": f"{MEMBER}/objects/{n}", "type": "Note", "attributedTo": BOB, "content": f"post {n}",
               "to": [f"{BASE}/communities/team"], "cc": [PUBLIC]}
        create = {"id": f"{MEMBER}/activities/{n}", "type": "Create", "actor": BOB, "object": obj,
                  "to": obj["to"], "cc": obj["cc"]}
        assert team.deliver(create, by=team.bob, path="/communities/team/inbox").status_code == 202
        team.run()
    sent = {a["object"]["object"]["id"]: a["id"] for a in team.sent_by(f"{BASE}/communities/team")
            if a["type"] == "Announce"}
    relays = _client(team).relays("team", user="arno", scopes=("read",))
    assert [r["activity"]["object"]["id"] for r in relays] == [f"{MEMBER}/objects/2", f"{MEMBER}/objects/1"]
    # the same Announce the members received, by the Group
    assert [r["activity"]["id"] for r in relays] == [sent[f"{MEMBER}/objects/2"], sent[f"{MEMBER}/objects/1"]]
    assert {r["activity"]["actor"] for r in relays} == {f"{BASE}/communities/team"}
    first = _client(team).relays("team", user="arno", scopes=("read",), limit=1)
    older = _client(team).relays("team", user="arno", scopes=("read",), max_id=first[0]["cursor"])
    assert [r["activity"]["object"]["id"] for r in older] == [f"{MEMBER}/objects/1"]
    assert _client(team).relays("team", user="arno", scopes=("read",), max_id="x") is None
    assert _client(team).relays("exec", user="arno", scopes=("read",)) == []
    assert _client(team).account("team", user="arno", scopes=("read",))["posts"] == 2


# -- the api's refusals -----------------------------------------------------------------------
@pytest.fixture
def api_context(monkeypatch):
    """A request of amelie's to the api, with the upstream answers each test sets."""
    from flask import Flask, g

    from services.api import communities_upstream, upstream

    app = Flask(__name__)
    app.config["ARCHIPEL"] = Config(base_url=BASE)
    answers = {"community": None, "remote_actor": None, "relationships": {}, "remote_document": None}
    monkeypatch.setattr(communities_upstream, "community", lambda slug: answers["community"])
    monkeypatch.setattr(communities_upstream, "remote_document", lambda url: answers["remote_document"])
    monkeypatch.setattr(upstream, "remote_actor", lambda actor: answers["remote_actor"])
    monkeypatch.setattr(upstream, "relationships", lambda me, others: answers["relationships"])
    with app.test_request_context():
        g.requester = SimpleNamespace(user="amelie")
        yield answers


def _local(membership, *, openness="free", may_post=None, role="member", archived=False) -> dict:
    from flask import g

    g.pop("api_communities", None)  # a new answer: what the api read once per request is forgotten
    return {"document": {"type": "Group", "name": "Quality", "openness": openness, "archived": archived},
            "members": 2, "posts": 0, "membership": membership, "role": role, "may_post": may_post}


def test_joining_a_closed_community_needs_an_invitation(api_context):
    from services.api import communities

    team = f"{BASE}/communities/quality"
    api_context["community"] = _local(None, openness="closed")
    assert "invitation only" in communities.join_refusal(team)
    api_context["community"] = _local("invited", openness="closed")
    assert communities.join_refusal(team) is None  # the Follow takes the invitation
    api_context["community"] = _local("banned")
    assert communities.join_refusal(team) == "You are banned from this community"
    api_context["community"] = _local(None, archived=True)
    assert "archived" in communities.join_refusal(team)
    api_context["community"] = _local("member", role="owner")
    assert "hands ownership" in communities.leave_refusal(team)
    # another node's community answers by itself; a person is no community
    assert communities.join_refusal(REMOTE_GROUP) is None
    assert communities.join_refusal(f"{BASE}/users/alice") is None


def test_posting_to_a_community_one_may_not_post_to_is_refused_with_the_reason(api_context):
    from services.api import communities

    api_context["community"] = _local(None, may_post="not a member")
    assert communities.posting_refusal([f"{BASE}/communities/quality"]) == (
        "You are not a member of the community Quality: follow it to join before posting to it")
    api_context["community"] = _local("member", may_post="posting is restricted to moderators")
    assert communities.posting_refusal([f"{BASE}/communities/quality"]) == (
        "Only the moderators of the community Quality may post to it")
    # a Group of another node: a member as far as this node's follow state says
    api_context["remote_actor"] = {"id": REMOTE_GROUP, "type": "Group", "name": "Lean office"}
    assert "not a member of the community Lean office" in communities.posting_refusal([REMOTE_GROUP])
    api_context["relationships"] = {REMOTE_GROUP: {"following": "accepted"}}
    assert communities.posting_refusal([REMOTE_GROUP]) is None
    api_context["remote_actor"] = {"id": BOB, "type": "Person"}
    api_context["relationships"] = {}
    assert communities.posting_refusal([BOB]) is None  # mentioning a person is no posting to a community


def test_a_post_to_another_nodes_announcement_channel_is_refused_unless_one_moderates_it(api_context):
    """A Group with postingRestrictedToMods (Lemmy's term, Archipel's moderators-only
    posting): the requester must be in its moderators collection (attributedTo)."""
    from services.api import communities

    amelie = f"{BASE}/users/amelie"
    api_context["remote_actor"] = {"id": REMOTE_GROUP, "type": "Group", "name": "Finance everywhere",
                                   "postingRestrictedToMods": True, "attributedTo": f"{REMOTE_GROUP}/moderators"}
    api_context["relationships"] = {REMOTE_GROUP: {"following": "accepted"}}
    api_context["remote_document"] = {"type": "OrderedCollection", "totalItems": 1, "orderedItems": [BOB]}
    assert communities.refusal_of([REMOTE_GROUP]) == (403, "Only the moderators of the community Finance everywhere "
                                                           "may post to it")
    api_context["remote_document"] = {"type": "OrderedCollection", "totalItems": 2, "orderedItems": [BOB, amelie]}
    assert communities.refusal_of([REMOTE_GROUP]) is None
    api_context["remote_document"] = None  # cannot be read: the Group decides
    assert communities.refusal_of([REMOTE_GROUP]) is None
    api_context["remote_actor"] = {**api_context["remote_actor"], "postingRestrictedToMods": False}
    api_context["remote_document"] = {"type": "OrderedCollection", "totalItems": 1, "orderedItems": [BOB]}
    assert communities.refusal_of([REMOTE_GROUP]) is None


def test_a_members_post_to_a_local_announcement_channel_is_forbidden_not_malformed(api_context):
    from services.api import communities

    api_context["community"] = _local("member", may_post="posting is restricted to moderators")
    assert communities.refusal_of([f"{BASE}/communities/quality"])[0] == 403
    api_context["community"] = _local(None, may_post="not a member")
    assert communities.refusal_of([f"{BASE}/communities/quality"])[0] == 422


# -- what an app's public means ----------------------------------------------------------------
@pytest.mark.parametrize(("means", "expected"), [
    ("", {"public": "public", "unlisted": "unlisted", "private": "private", "direct": "direct", "group": "group"}),
    ("group", {"public": "group", "unlisted": "group", "private": "private", "direct": "direct", "node": "node"}),
    ("node", {"public": "node", "unlisted": "node", "private": "private", "group": "group"}),
])
def test_public_and_unlisted_mean_what_the_node_says(means, expected):
    from services.api.visibility_mapping import applied, described

    config = Config(base_url=BASE, api_public_means=means)
    assert {asked: applied(asked, config) for asked in expected} == expected
    assert described(config) == {"public": expected["public"], "unlisted": expected["unlisted"]}


def test_an_unknown_public_means_stops_the_node():
    with pytest.raises(RuntimeError, match="ARCHIPEL_API_PUBLIC_MEANS"):
        Config(base_url=BASE, dev_mode=True, api_public_means="everyone").check()


def test_a_reply_goes_to_the_communities_its_thread_was_addressed_to(api_context):
    from services.api import communities

    team = f"{BASE}/communities/quality"
    api_context["community"] = _local("member")
    api_context["remote_actor"] = {"id": REMOTE_GROUP, "type": "Group", "name": "Lean office"}
    parent = {"id": f"{MEMBER}/objects/1", "attributedTo": BOB, "to": [PUBLIC],
              "cc": [f"{BOB}/followers", team, REMOTE_GROUP], "audience": REMOTE_GROUP}
    assert communities.of_thread(parent) == [team, REMOTE_GROUP]
    api_context["remote_actor"] = {"id": REMOTE_GROUP, "type": "Person"}
    assert communities.of_thread({**parent, "cc": [f"{BASE}/users/alice", REMOTE_GROUP]}) == []


def test_only_a_communitys_own_name_is_asked_about(api_context):
    from services.api import communities

    assert communities.local_slug(f"{BASE}/communities/quality") == "quality"
    for actor in (f"{BASE}/communities/..", f"{BASE}/communities/Q", f"{BASE}/communities/quality/followers",
                  f"{BASE}/users/alice", f"{MEMBER}/communities/quality", None):
        assert communities.local_slug(actor) is None
    assert communities.mentionable("..") is None


def test_a_communitys_members_are_its_followers_newest_first_and_paged(team):
    members = _client(team).members("team", user="arno", scopes=("read",))
    assert [m["actor"] for m in members] == [BOB, team.actor("amelie"), team.actor("alice")]
    first = _client(team).members("team", user="arno", scopes=("read",), limit=1)
    after = _client(team).members("team", user="arno", scopes=("read",), max_id=first[0]["cursor"], limit=1)
    assert [m["actor"] for m in after] == [team.actor("amelie")]
    newer = _client(team).members("team", user="arno", scopes=("read",), min_id=after[0]["cursor"])
    assert [m["actor"] for m in newer] == [BOB]
    assert _client(team).members("team", user="arno", scopes=("read",), since_id="nonsense") is None
    assert _client(team).members("exec", user="arno", scopes=("read",)) == []


def test_the_relationship_with_a_local_community_is_its_membership(api_context):
    from services.api import communities

    team, inbox_state = f"{BASE}/communities/quality", {"following": None, "follow_id": None}
    api_context["community"] = _local("member", role="owner")  # its creator never sent a Follow
    assert communities.with_membership(team, inbox_state)["following"] == "accepted"
    api_context["community"] = _local("pending", openness="open")
    assert communities.with_membership(team, inbox_state)["following"] == "pending"
    api_context["community"] = _local("invited", openness="closed")
    assert communities.with_membership(team, {**inbox_state, "following": "accepted"})["following"] is None
    # anyone else's: what the inbox knows of the follow
    assert communities.with_membership(BOB, {"following": "accepted"}) == {"following": "accepted"}


def test_only_addresses_that_may_be_groups_are_looked_at(api_context, monkeypatch):
    from services.api import communities, upstream

    asked = []
    monkeypatch.setattr(upstream, "remote_actor", lambda actor: asked.append(actor) or {"id": actor, "type": "Person"})
    addressees = [PUBLIC, f"{BOB}/followers", "urn:archipel:group:unit", f"{BASE}/audiences/node", BOB, BOB]
    assert communities.posting_refusal(addressees) is None
    assert asked == [BOB]
