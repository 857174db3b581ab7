"""The people directory, in process through the node's gateway (tests/inprocess.py): a
node's own people as a member node, a partner and an anonymous reader see them, which
filters each may use, closed accounts, and the group-wide query's merge and missing nodes."""

from __future__ import annotations

import json

import pytest

from tests.inprocess import MEMBER, OUTSIDE
from tests.unit.api_support import ApiUser

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
JSON = {"Accept": "application/json"}


def _person(node, username: str, name: str, department: str, entity: str, **extra):
    from services.identity.models import Account

    if Account.objects(username=username).first() is None:
        node.local_user(username)
    scim = {"title": f"{department} lead", "addresses": [{"locality": "Bremen"}],
            ENTERPRISE: {"department": department, "organization": entity}}
    Account.objects(username=username).update_one(set__display_name=name, set__scim_attributes=json.dumps(scim),
                                                  **{f"set__{k}": v for k, v in extra.items()})
    node.reindex_person(username)  # written directly: indexed as the directory's changes are


@pytest.fixture
def people(node):
    _person(node, "bob", "Bob Becker", "Welding", "Archipel DE", skills=["welding", "brazing"])
    _person(node, "alice", "Alice Martin", "Finance", "Archipel DE", skills=["audit"])
    _person(node, "carl", "Carl Closed", "Welding", "Archipel DE", suspended=True)
    _person(node, "dora", "Dora Deleted", "Welding", "Archipel DE", scim_deleted=True)
    return node


def _signed_get(node, path: str, signer):
    from fedkit.protocol.httpsig import sign_request

    headers = sign_request("GET", node.base + path, key_id=signer.key_id, private_key_pem=signer.private_pem,
                           headers=dict(JSON))
    return node.gateway.get(path, headers=headers, base_url=node.base)


def _names(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [item["name"] for item in resp.get_json()["items"]]


def test_a_member_node_sees_the_whole_entries_and_filters_on_any_part(people):
    member = people.remote_actor(f"{MEMBER}/users/berta")
    every = _signed_get(people, "/directory/people", member)
    assert _names(every) == ["Alice Martin", "Bob Becker"]  # sorted by name; closed and deleted never listed
    bob = every.get_json()["items"][1]
    assert bob == {"actor": people.actor("bob"), "username": "bob", "acct": "bob@fr.test", "name": "Bob Becker",
                   "title": "Welding lead", "department": "Welding", "entity": "Archipel DE", "location": "Bremen",
                   "skills": ["welding", "brazing"]}
    assert _names(_signed_get(people, "/directory/people?department=welding", member)) == ["Bob Becker"]
    assert _names(_signed_get(people, "/directory/people?skill=AUDIT", member)) == ["Alice Martin"]
    assert _names(_signed_get(people, "/directory/people?q=bremen+braz", member)) == ["Bob Becker"]
    assert _names(_signed_get(people, "/directory/people?entity=Archipel+FR", member)) == []
    paged = _signed_get(people, "/directory/people?limit=1&page=2", member).get_json()
    assert ([i["name"] for i in paged["items"]], paged["total"], paged["next"]) == (["Bob Becker"], 2, False)


@pytest.mark.parametrize("reader", ["partner", "anonymous", "forged member"])
def test_outside_the_group_only_the_public_parts_and_no_filter_on_hidden_ones(people, reader):
    partner = people.remote_actor(f"{OUTSIDE}/users/paula")
    forged = people.remote_actor(f"{MEMBER}/users/mallory")
    forged = type(forged)(forged.id, people._local_keypair[0], forged.inbox, None)  # not the key cached for her

    def get(path):
        if reader == "anonymous":
            return people.gateway.get(path, headers=JSON, base_url=people.base)
        return _signed_get(people, path, partner if reader == "partner" else forged)

    seen = get("/directory/people")
    assert [set(i) for i in seen.get_json()["items"]] == [{"actor", "username", "acct", "name", "entity"}] * 2
    assert _names(seen) == ["Alice Martin", "Bob Becker"]
    for hidden in ("department=Welding", "skill=welding", "location=Bremen"):
        refused = get(f"/directory/people?{hidden}")
        assert refused.status_code == 400 and refused.get_json()["error"] == "filter_not_allowed", refused.text
    assert _names(get("/directory/people?q=welding")) == []  # free text reads only what is shown
    assert _names(get("/directory/people?entity=archipel+de&q=bob")) == ["Bob Becker"]


def test_bad_paging_is_a_clear_400(people):
    for query in ("page=0", "limit=201", "page=x"):
        resp = people.gateway.get(f"/directory/people?{query}", headers=JSON, base_url=people.base)
        assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_request", resp.text


def test_the_group_query_needs_a_user_and_names_the_nodes_that_did_not_answer(people):
    anonymous = people.gateway.get("/api/archipel/people", headers=JSON, base_url=people.base)
    assert anonymous.status_code == 401, anonymous.text
    alice = ApiUser(people, "alice")
    answer = alice.get("/api/archipel/people?department=Welding")
    assert answer.status_code == 200, answer.text
    body = answer.get_json()
    assert [(i["name"], i["node"], i["department"]) for i in body["items"]] == [("Bob Becker", "fr", "Welding")]
    assert body["unreachable"] == ["de"]  # de.test does not exist: its people are missing, and said so
    assert alice.get("/api/archipel/people?limit=201").status_code == 400


def test_mastodons_profile_directory_lists_the_open_accounts(people):
    alice = ApiUser(people, "alice")
    for query in ("?local=true", ""):  # the node's, and the group's (de.test missing)
        listed = alice.get(f"/api/v1/directory{query}")
        assert listed.status_code == 200, listed.text
        assert [a["acct"] for a in listed.get_json()] == ["alice", "bob"]
    bob = alice.get("/api/v1/directory?local=true&offset=1&limit=1").get_json()
    assert [a["display_name"] for a in bob] == ["Bob Becker"]
    assert {f["name"]: f["value"] for f in bob[0]["fields"]}["Department"] == "Welding"
    anonymous = people.gateway.get("/api/v1/directory", base_url=people.base).get_json()
    assert [a["acct"] for a in anonymous] == ["alice", "bob"]
    assert [f["name"] for f in anonymous[1]["fields"]] == ["Entity"]  # outside the group: the public parts
    assert alice.get("/api/v1/directory?limit=x").status_code == 400
