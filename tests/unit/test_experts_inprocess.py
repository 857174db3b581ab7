"""The expert finder in process through the node's gateway (tests/inprocess.py): the node's
answer for its own people as a member node and an outsider see it (no match on what the
outsider may not see), and the client API's ranking — ``/api/archipel/experts`` and the
accounts of ``/api/v2/search`` — with the evidence, never a post the requester may not see."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.inprocess import MEMBER, OUTSIDE
from tests.unit.api_support import ApiUser, api_user

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
JSON = {"Accept": "application/json"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _set(username: str, **fields):
    from services.identity.models import Account

    Account.objects(username=username).update_one(**{f"set__{k}": v for k, v in fields.items()})


@pytest.fixture
def people(node):
    users = {name: api_user(node, name) for name in ("alice", "bob", "carl", "dora", "erin")}
    _set("bob", display_name="Bob Becker", skills=["Welding", "brazing"], interests=["sailing"])
    _set("carl", display_name="Carl Clerk", summary="<p>I learnt <b>welding</b> at school.</p>",
         scim_attributes=json.dumps({"title": "Welding inspector"}))
    _set("dora", display_name="Dora Doe", interests=["welding"], suspended=True)  # closed: never found
    _set("erin", display_name="Erin Evans")
    for name in ("bob", "carl", "dora", "erin"):
        node.reindex_person(name)  # written directly: indexed as the directory's changes are
    return users


def _signed_get(node, path: str, signer):
    from fedkit.protocol.httpsig import sign_request

    headers = sign_request("GET", node.base + path, key_id=signer.key_id, private_key_pem=signer.private_pem,
                           headers=dict(JSON))
    return node.gateway.get(path, headers=headers, base_url=node.base)


def test_a_member_node_sees_what_matched_and_an_outsider_matches_nothing_hidden(node, people):
    member = node.remote_actor(f"{MEMBER}/users/berta")
    answer = _signed_get(node, "/directory/experts?q=welding", member)
    assert answer.status_code == 200, answer.text
    found = {item["username"]: item["matched"] for item in answer.get_json()["items"]}
    assert found == {
        "bob": [{"kind": "skill", "part": "skills", "text": "Welding"}],
        "carl": [{"kind": "profile", "part": "title", "text": "Welding inspector"},
                 {"kind": "profile", "part": "bio", "text": "I learnt welding at school."}]}
    partner = node.remote_actor(f"{OUTSIDE}/users/paula")
    assert _signed_get(node, "/directory/experts?q=welding", partner).get_json()["items"] == []
    anonymous = node.gateway.get("/directory/experts?q=welding", headers=JSON, base_url=node.base)
    assert anonymous.status_code == 200 and anonymous.get_json()["items"] == []
    missing = node.gateway.get("/directory/experts", headers=JSON, base_url=node.base)
    assert missing.status_code == 400 and missing.get_json()["error"] == "invalid_request"


def _experts(user: ApiUser, q: str, **params) -> list[dict]:
    resp = user.get("/api/archipel/experts", query_string={"q": q, **params})
    assert resp.status_code == 200, resp.text
    return resp.get_json()


def test_the_api_ranks_skill_then_profile_then_posts_with_the_evidence(node, people):
    public = people["erin"].post("/api/v1/statuses", data={"status": "Notes on welding fixtures", "visibility": "public"})
    hidden = people["alice"].post("/api/v1/statuses", data={"status": "Welding budget", "visibility": "private"})
    assert public.status_code == 200 and hidden.status_code == 200, (public.text, hidden.text)
    node.run()
    found = _experts(people["bob"], "welding")
    assert [(e["account"]["acct"], e["score"]) for e in found] == [("bob", 100), ("carl", 30), ("erin", 2)]
    assert found[0]["evidence"] == [{"kind": "skill", "part": "skills", "text": "Welding"}]
    assert found[2]["evidence"] == [{"kind": "post", "text": "Notes on welding fixtures",
                                     "url": public.get_json()["url"], "status_id": public.get_json()["id"]}]
    # alice's followers-only post is evidence for alice herself, for nobody who may not see it
    assert "alice" in [e["account"]["acct"] for e in _experts(people["alice"], "welding")]
    assert [e["account"]["acct"] for e in _experts(people["bob"], "welding", limit=1, offset=1)] == ["carl"]
    assert _experts(people["bob"], "sailing")[0]["evidence"][0]["part"] == "interests"
    assert _experts(people["bob"], "nobody knows this") == []


def test_the_api_needs_a_user_with_read_and_words(node, people):
    assert node.gateway.get("/api/archipel/experts?q=welding", base_url=node.base).status_code == 401
    assert ApiUser(node, "bob", scopes="write").get("/api/archipel/experts?q=weld").status_code == 403
    for query in ("", "?q=", "?q=weld&limit=x"):
        resp = people["bob"].get(f"/api/archipel/experts{query}")
        assert resp.status_code == 400 and "error" in resp.get_json(), resp.text


def test_v2_search_orders_accounts_by_name_then_expertise_with_evidence(node, people):
    resp = people["alice"].get("/api/v2/search", query_string={"q": "welding", "type": "accounts"})
    assert resp.status_code == 200, resp.text
    accounts = resp.get_json()["accounts"]
    assert [a["acct"] for a in accounts] == ["bob", "carl"]
    assert accounts[0]["archipel_evidence"] == [{"kind": "skill", "part": "skills", "text": "Welding"}]
    # the account the words name comes first, then who knows about them
    _set("erin", summary="Bob's welding mentor", skills=["bob sleigh"])
    node.reindex_person("erin")
    named = people["alice"].get("/api/v2/search", query_string={"q": "bob"}).get_json()["accounts"]
    assert [a["acct"] for a in named][:2] == ["bob", "erin"]
    assert named[0]["archipel_evidence"] == []
    # an address or anonymous search stays as Mastodon's: no evidence
    by_address = people["alice"].get("/api/v2/search", query_string={"q": "bob@fr.test"}).get_json()["accounts"]
    assert [a["acct"] for a in by_address] == ["bob"] and "archipel_evidence" not in by_address[0]
    # accounts/search (a mention being typed) stays a search by name, without the experts
    typed = people["alice"].get("/api/v1/accounts/search", query_string={"q": "bob"}).get_json()
    assert typed[0]["acct"] == "bob" and not any("archipel_evidence" in a for a in typed)


def test_accented_directory_text_is_found_however_the_directory_stored_it(node, people):
    _set("erin", scim_attributes=json.dumps({"title": "Schweißfachingenieurin"}))  # JSON escapes the ß
    node.reindex_person("erin")
    member = node.remote_actor(f"{MEMBER}/users/berta")
    for q in ("schweissfach", "Schweißfachingenieurin"):
        found = _signed_get(node, f"/directory/experts?q={quote(q)}", member).get_json()["items"]
        assert [(i["username"], i["matched"][0]["text"]) for i in found] == [("erin", "Schweißfachingenieurin")], q
