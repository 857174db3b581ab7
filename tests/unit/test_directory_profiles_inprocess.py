"""Profiles from the directory, in process through the node's gateway (tests/inprocess.py):
the parts SCIM and the provider give, what the person declares, who sees what of the
actor document, what no API may change, and the Update(Person) the group hears."""

from __future__ import annotations

import json

import pytest

from fedkit.runtime import clock
from tests.inprocess import MEMBER, OUTSIDE
from tests.unit.api_support import ApiUser

AS2 = {"Accept": "application/activity+json"}
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
DIRECTORY = {
    "title": "Welding engineer",
    "addresses": [{"locality": "Bremen", "primary": True}, {"locality": "Kiel"}],
    "phoneNumbers": [{"value": "+49 421 0000", "type": "work"}],
    "photos": [{"value": "https://photos.example/bob.jpg", "type": "photo"}],
    ENTERPRISE: {"department": "Fabrication", "organization": "Archipel DE", "manager": {"value": "berta"}},
}


def _bob(node, **extra):
    """bob, provisioned by the directory (as SCIM stores him), with ``extra`` fields."""
    from services.identity.models import Account

    node.local_user("bob")
    Account.objects(username="bob").update_one(
        set__display_name="Bob Becker", set__summary="Hello", set__scim_attributes=json.dumps(DIRECTORY),
        set__scim_modified_at=clock.now(), **{f"set__{k}": v for k, v in extra.items()})
    return ApiUser(node, "bob")


def _signed_get(node, path: str, signer):
    from fedkit.protocol.httpsig import sign_request

    headers = sign_request("GET", node.base + path, key_id=signer.key_id, private_key_pem=signer.private_pem,
                           headers=dict(AS2))
    return node.gateway.get(path, headers=headers, base_url=node.base)


def _fields(person: dict) -> dict:
    return {a["name"]: a["value"] for a in person.get("attachment", [])}


def test_the_group_sees_the_whole_profile_and_outsiders_what_the_policy_lets_out(node):
    _bob(node, skills=["welding", "brazing"], profile_fields=[{"name": "Site", "value": "Hall 3"}])
    member = node.remote_actor(f"{MEMBER}/actor", actor_type="Application")
    partner = node.remote_actor(f"{OUTSIDE}/actor", actor_type="Application")

    whole = _signed_get(node, "/users/bob", member)
    assert whole.status_code == 200, whole.text
    person = whole.get_json()
    assert (person["name"], person["jobTitle"], person["department"], person["entity"]) == \
        ("Bob Becker", "Welding engineer", "Fabrication", "Archipel DE")
    assert (person["location"], person["telephone"], person["manager"]) == \
        ("Bremen", "+49 421 0000", f"{node.base}/users/berta")
    assert person["icon"] == {"type": "Image", "url": "https://photos.example/bob.jpg"}
    assert person["skills"] == ["welding", "brazing"] and person["summary"] == "Hello"
    assert _fields(person) == {
        "Job title": "Welding engineer", "Department": "Fabrication", "Entity": "Archipel DE",
        "Manager": f'<a href="{node.base}/users/berta">berta</a>', "Location": "Bremen", "Phone": "+49 421 0000",
        "Skills": "welding, brazing", "Site": "Hall 3"}
    context = person["@context"][-1]  # Archipel's own terms, in the document (never fetched)
    assert context["department"] == "archipel:department" and context["jobTitle"] == "schema:jobTitle"
    assert context["skills"] == {"@id": "archipel:skills", "@container": "@set"}

    # a partner's server, anyone anonymous, and a member key whose signature fails: name and entity only
    forged = node.remote_actor(f"{MEMBER}/users/mallory")
    other_key = node._local_keypair[0]  # not the key the cache holds for mallory
    bad = _signed_get(node, "/users/bob", type(forged)(forged.id, other_key, forged.inbox, None))
    for resp in (_signed_get(node, "/users/bob", partner), node.gateway.get("/users/bob", headers=AS2,
                                                                            base_url=node.base), bad):
        assert resp.status_code == 200, resp.text
        seen = resp.get_json()
        assert (seen["name"], seen["entity"], seen["summary"]) == ("Bob Becker", "Archipel DE", "")
        assert _fields(seen) == {"Entity": "Archipel DE"}
        assert not {"jobTitle", "department", "location", "telephone", "manager", "icon", "skills"} & set(seen)
        assert seen["publicKey"]["publicKeyPem"] == person["publicKey"]["publicKeyPem"]


def test_the_public_parts_follow_the_nodes_setting(node):
    import dataclasses

    from fedkit.rules.profile_view import outside_view
    from services.identity.converter import person_json

    class Account:
        username, display_name, summary, locked, created_at = "bob", "Bob", "Hi", False, clock.now()
        scim_attributes, skills, profile_fields = json.dumps(DIRECTORY), ["welding"], [{"name": "Site", "value": "3"}]

    config = dataclasses.replace(node.config, profile_public_fields=("title", "skills", "bio"))
    seen = outside_view(person_json(Account, "PEM", config), config.profile_public_fields)
    assert (seen["name"], seen["jobTitle"], seen["skills"], seen["summary"]) == ("bob", "Welding engineer",
                                                                                  ["welding"], "Hi")
    assert set(_fields(seen)) == {"Job title", "Skills"} and "entity" not in seen


@pytest.mark.parametrize("change", [
    {"department": "Sales"}, {"jobTitle": "CEO"}, {"entity": "Archipel FR"}, {"location": "Paris"},
    {"telephone": "+33 1"}, {"manager": "http://fr.test/users/alice"}, {"name": "Captain Anonymous"},
    {"attachment": [{"type": "PropertyValue", "name": "department", "value": "Sales"}]},
    {"attachment": [{"type": "PropertyValue", "name": "Skills", "value": "juggling"}]},
    {"skills": ["x" * 61]}, {"skills": "a" * 61}, {"interests": [1, 2]},
])
def test_a_c2s_update_cannot_change_what_the_directory_owns(node, change):
    from services.identity.models import Account

    _bob(node)
    resp = node.send("bob", {"type": "Update", "object": {"id": node.actor("bob"), "type": "Person", **change}})
    assert resp.status_code == 422, resp.text
    stored = Account.objects(username="bob").get()
    assert (stored.display_name, stored.skills, json.loads(stored.scim_attributes)) == ("Bob Becker", [], DIRECTORY)


def test_the_document_read_back_is_accepted_and_declared_lists_are_set(node):
    from fedkit.contracts.identity import IdentityClient
    from services.identity.models import Account

    _bob(node, skills=["welding"])
    person = {k: v for k, v in IdentityClient(node.internal).find_person("bob").items() if k != "@context"}
    person["interests"] = ["Chess", "chess ", "  Alpine   climbing "]  # trimmed, once each
    assert node.send("bob", {"type": "Update", "object": person}).status_code == 201
    stored = Account.objects(username="bob").get()
    assert (stored.skills, stored.interests, stored.profile_fields) == (["welding"], ["Chess", "Alpine climbing"], [])


def test_update_credentials_refuses_directory_fields_and_keeps_free_ones(node):
    bob = _bob(node)
    me = bob.get("/api/v1/accounts/verify_credentials").get_json()
    shown = {f["name"]: f["value"] for f in me["fields"]}
    assert shown["Department"] == "Fabrication" and shown["Job title"] == "Welding engineer"
    assert me["source"]["fields"] == []  # what an app's form edits: the person's own fields only
    for name, value in (("Department", "Sales"), ("Job title", "CEO")):
        refused = bob.patch("/api/v1/accounts/update_credentials", data={
            "fields_attributes[0][name]": name, "fields_attributes[0][value]": value})
        assert refused.status_code == 422 and "company directory" in refused.get_json()["error"], refused.text
    # the form sent back as shown, plus a field of one's own: fine
    sent = {f"fields_attributes[{i}][{k}]": v for i, (n, val) in enumerate(
        [("Department", "Fabrication"), ("Site", "Hall 3")]) for k, v in (("name", n), ("value", val))}
    ok = bob.patch("/api/v1/accounts/update_credentials", data=sent)
    assert ok.status_code == 200, ok.text
    assert [f["name"] for f in ok.get_json()["source"]["fields"]] == ["Site"]


def test_skills_are_declared_through_the_archipel_endpoint(node):
    bob = _bob(node)
    resp = bob.patch("/api/archipel/profile", json={"skills": ["welding", "TIG"], "languages": ["de", "en"]})
    assert resp.status_code == 200, resp.text
    profile = resp.get_json()
    assert profile["declared"] == {"skills": ["welding", "TIG"], "interests": [], "languages": ["de", "en"],
                                   "projects": []}
    assert profile["directory"]["department"] == "Fabrication" and profile["public"] == ["name", "entity"]
    shown = {f["name"]: f["value"] for f in bob.get("/api/v1/accounts/verify_credentials").get_json()["fields"]}
    assert shown["Skills"] == "welding, TIG" and shown["Languages"] == "de, en"
    form = bob.patch("/api/archipel/profile", data={"skills[]": ["welding"]})
    assert form.status_code == 200 and form.get_json()["declared"]["skills"] == ["welding"]
    for body in ({"department": "Sales"}, {"title": "CEO"}, {"name": "Bobby"}, {"hobbies": ["x"]},
                 {"skills": ["x"] * 21}, {"skills": {"a": 1}}):
        refused = bob.patch("/api/archipel/profile", json=body)
        assert refused.status_code == 422, (body, refused.text)
    assert "company directory" in bob.patch("/api/archipel/profile", json={"department": "x"}).get_json()["error"]
    assert node.gateway.patch("/api/archipel/profile", json={"skills": []}, base_url=node.base).status_code == 401


def test_an_anonymous_api_reader_sees_only_the_public_parts(node):
    from services.api import ids

    _bob(node, skills=["welding"])
    with node.services["api"].app_context():
        account_id = ids.account_id(node.actor("bob"))
    seen = node.gateway.get(f"/api/v1/accounts/{account_id}", base_url=node.base)
    assert seen.status_code == 200, seen.text
    assert {f["name"] for f in seen.get_json()["fields"]} == {"Entity"} and seen.get_json()["note"] == ""


def test_a_profile_update_reaches_member_nodes_as_outsiders_would_see_it(node):
    bob = _bob(node)
    node.remote_actor(f"{MEMBER}/actor", actor_type="Application")  # as the node knows it
    assert bob.patch("/api/archipel/profile", json={"skills": ["welding"]}).status_code == 200
    update = node.sent_by(node.actor("bob"))[-1]
    assert update["type"] == "Update" and f"{MEMBER}/actor" in update["cc"]
    assert "skills" not in update["object"] and "department" not in update["object"]  # member nodes refetch
    node.run()
    assert f"{MEMBER}/inbox" in node.deliveries(update["id"])


def test_a_directory_change_is_announced_to_followers_and_member_nodes(node, monkeypatch):
    from fedkit.rules.registry import load_registry
    from services.identity import lifecycle, profile_updates
    from services.identity.models import Account

    _bob(node)
    sent = []
    monkeypatch.setattr(lifecycle, "known_by", lambda config, username, internal: [
        f"{MEMBER}/actor", f"{OUTSIDE}/users/paula"])

    class Outbox:
        def __init__(self, internal):
            pass

        def send_for_actor(self, activity, recipients):
            sent.append((activity, recipients))

    monkeypatch.setattr(profile_updates, "OutboxClient", Outbox)
    monkeypatch.setattr(profile_updates, "known_by", lifecycle.known_by)
    assert load_registry(node.config).is_inside(f"{MEMBER}/actor")
    count = profile_updates.announce(node.config, Account.objects(username="bob").get())
    assert count == 2 and sent[0][1] == [f"{MEMBER}/actor", f"{OUTSIDE}/users/paula"]
    assert sent[0][0]["type"] == "Update" and sent[0][0]["object"]["entity"] == "Archipel DE"
    assert "department" not in sent[0][0]["object"]


def test_scim_changes_announce_the_profile(db, infra, monkeypatch):
    from fedkit.runtime.internal import INTERNAL
    from services.identity import profile_updates
    from tests.unit.test_scim_protocol import PATCH_SCHEMA, SECRET, TOKEN, make_app

    announced = []
    monkeypatch.setattr(profile_updates, "announce", lambda config, account: announced.append(account.username))
    client = make_app(db, infra).test_client()
    headers = {INTERNAL: SECRET, "Authorization": f"Bearer {TOKEN}"}
    created = client.post("/scim/v2/Users", json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE], "userName": "zoe", "title": "Welder",
        ENTERPRISE: {"department": "R&D"}}, headers=headers)
    assert created.status_code == 201, created.json
    patch = {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "path": f"{ENTERPRISE}:department", "value": "Fabrication"}]}
    assert client.patch("/scim/v2/Users/zoe", json=patch, headers=headers).status_code in (200, 204)
    assert announced == ["zoe"]
    assert client.patch("/scim/v2/Users/zoe", json=patch, headers=headers).status_code in (200, 204)
    assert announced == ["zoe"]  # nothing changed: nothing announced


def test_sign_in_claims_fill_what_scim_leaves_empty():
    from types import SimpleNamespace

    from services.identity.directory_profile import claims_of, directory_fields

    claims = claims_of({"sub": "1", "phone_number": "+33 1 23", "picture": "javascript:alert(1)",
                        "address": {"locality": "Lyon"}, "department": "Paint", "job_title": 5})
    assert claims == {"phone": "+33 1 23", "photo": "javascript:alert(1)", "location": "Lyon", "department": "Paint"}
    account = SimpleNamespace(scim_attributes=json.dumps({ENTERPRISE: {"department": "Fabrication"}}),
                              directory_claims=claims)
    assert directory_fields(account) == {"department": "Fabrication", "location": "Lyon", "phone": "+33 1 23"}


def test_a_cached_remote_person_keeps_its_profile_for_the_directory(node):
    from fedkit.protocol.actors import CachedActor, _cache_actor

    doc = {"id": f"{MEMBER}/users/bob", "type": "Person", "preferredUsername": "bob", "department": "Fabrication",
           "entity": "Archipel DE", "jobTitle": "Welding engineer", "skills": ["welding", 3, ""], "location": 7}
    _cache_actor(doc, doc["id"], node.config)
    cached = CachedActor.objects(actor_id=doc["id"]).get()
    assert cached.profile == {"title": "Welding engineer", "department": "Fabrication", "entity": "Archipel DE",
                              "skills": ["welding"]}
    assert CachedActor.objects(profile__skills="welding").count() == 1


def test_a_manager_is_linked_only_when_the_id_names_an_account_here():
    from types import SimpleNamespace

    from services.identity.directory_profile import directory_fields

    def manager(value):
        stored = json.dumps({ENTERPRISE: {"manager": {"value": value, "displayName": "Berta"}}})
        return directory_fields(SimpleNamespace(scim_attributes=stored)).get("manager")

    assert (manager("Berta"), manager("8f1c 22/x"), manager(""), manager(5)) == ("berta", None, None, None)
