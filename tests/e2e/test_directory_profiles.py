"""Profiles from the directory across the demo group, every process real: SCIM gives
bob@de his title and department, his account on de and his actor seen from fr show them
and follow the directory's changes (Update(Person) to member nodes); bob declares the
skill "welding" through the API and fr sees it; no API lets bob change what the directory
owns; outside the group (anonymous, a partner's server) his actor shows name and entity only."""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError

from tests.e2e.test_mastodon_statuses import password_app
from tests.e2e.test_scim import scim
from tests.plugin import wait_until

AS2 = {"Accept": "application/activity+json"}
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
DIRECTORY_TERMS = {"jobTitle", "department", "location", "telephone", "manager", "skills"}


def _directory(client, username: str, *operations) -> None:
    resp = scim(client, "PATCH", f"/Users/{username}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": op, "path": path, **({"value": value} if value is not None else {})}
        for op, path, value in operations]})
    assert resp.status_code in (200, 204), resp.text


def _fields(account) -> dict:
    return {f["name"]: f["value"] for f in account["fields"]}


def _instance_signed_get(client, url: str):
    """A GET signed by ``client``'s node (its instance actor), as a member node fetches actors."""
    from fedkit.protocol import httpsig

    key = client.db.actor_keys.find_one({"_id": f"{client.base}/actor"})
    headers = {**AS2, **httpsig.sign_request("GET", url, key_id=key["key_id"], private_key_pem=key["private_pem"])}
    return client.http.get(url, headers=headers)


def test_directory_fields_come_from_scim_follow_it_and_no_api_changes_them(group):
    fr, de, partner = group["fr"], group["de"], group["partner"]
    alice, bob = password_app(fr, "alice"), password_app(de, "bob")

    def bob_on_fr() -> dict:
        found = alice.search_v2(f"bob@{de.host}", resolve=True, result_type="accounts")["accounts"]
        return _fields(found[0]) if found else {}

    try:
        _directory(de, "bob", ("replace", "title", "Welding engineer"),
                   ("replace", f"{ENTERPRISE}:department", "Fabrication"),
                   ("replace", f"{ENTERPRISE}:organization", "Archipel DE"))
        shown = _fields(bob.account_verify_credentials())
        assert (shown["Job title"], shown["Department"], shown["Entity"]) == \
            ("Welding engineer", "Fabrication", "Archipel DE")
        wait_until(lambda: bob_on_fr().get("Department") == "Fabrication", message="bob's department seen from fr")
        assert bob_on_fr()["Job title"] == "Welding engineer"

        # The directory changes: de tells the member nodes (fr knew bob already)
        _directory(de, "bob", ("replace", f"{ENTERPRISE}:department", "Welding shop"))
        wait_until(lambda: bob_on_fr().get("Department") == "Welding shop", message="the change seen from fr")

        # bob declares a skill; fr sees it, and keeps it for the group's directory
        declared = de.api("PATCH", "/api/archipel/profile", "bob", json={"skills": ["welding"]})
        assert declared.status_code == 200 and declared.json()["declared"]["skills"] == ["welding"], declared.text
        assert _fields(bob.account_verify_credentials())["Skills"] == "welding"
        wait_until(lambda: bob_on_fr().get("Skills") == "welding", message="bob's skill seen from fr")
        cached = fr.db.remote_actors.find_one({"_id": de.actor("bob")})
        assert cached["profile"]["skills"] == ["welding"] and cached["profile"]["department"] == "Welding shop"

        # what the directory owns, through every API: refused, and nothing changes
        for name, value in (("Department", "Sales"), ("Job title", "CEO")):
            with pytest.raises(MastodonAPIError) as refused:
                bob.account_update_credentials(fields=[(name, value)])
            assert "422" in str(refused.value) and "company directory" in str(refused.value)
        for body in ({"department": "Sales"}, {"title": "CEO"}):
            resp = de.api("PATCH", "/api/archipel/profile", "bob", json=body)
            assert resp.status_code == 422 and "company directory" in resp.json()["error"], resp.text
        c2s = de.post("bob", {"type": "Update", "object": {"id": de.actor("bob"), "type": "Person",
                                                            "department": "Sales", "jobTitle": "CEO"}})
        assert c2s.status_code == 422, c2s.text
        shown = _fields(bob.account_verify_credentials())
        assert (shown["Job title"], shown["Department"]) == ("Welding engineer", "Welding shop")

        # outside the group: name and entity only (the node's default policy); a member node: all
        whole = _instance_signed_get(fr, de.actor("bob"))
        assert whole.status_code == 200 and whole.json()["skills"] == ["welding"], whole.text
        for seen in (de.http.get(de.actor("bob"), headers=AS2), partner.signed_fetch("paula", de.actor("bob"))):
            assert seen.status_code == 200, seen.text
            person = seen.json()
            assert person["entity"] == "Archipel DE" and person["name"] == whole.json()["name"]
            assert not DIRECTORY_TERMS & set(person) and person["summary"] == ""
            assert [a["name"] for a in person.get("attachment", [])] == ["Entity"]
    finally:  # the session's other tests know bob without these
        de.api("PATCH", "/api/archipel/profile", "bob", json={"skills": []})
        _directory(de, "bob", ("remove", "title", None), ("remove", f"{ENTERPRISE}:department", None),
                   ("remove", f"{ENTERPRISE}:organization", None))
