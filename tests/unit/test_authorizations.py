"""A user's authorised apps and sessions (``/api/archipel/authorizations``, identity's,
through the gateway in process): each live token with its app, only the user's own, and
revoking one stops it at once."""

from __future__ import annotations

import pytest

from tests.unit.api_support import ApiUser, api_user


@pytest.fixture
def phone_app():
    from services.identity.models import OAuthClient

    client = OAuthClient(client_id="test-app", client_name="Phone app", website="https://phone.example",
                         redirect_uris=["urn:ietf:wg:oauth:2.0:oob"], scope="read write follow")
    client.set_secret("s" * 32)
    client.save()
    return client


def test_a_user_sees_their_own_authorisations_and_revokes_one_at_once(node, phone_app):
    laptop = api_user(node, "alice")
    phone = ApiUser(node, "alice")
    bob = api_user(node, "bob")
    listed = laptop.get("/api/archipel/authorizations")
    assert listed.status_code == 200, listed.text
    items = listed.get_json()["items"]
    assert len(items) == 2 and {i["app"]["name"] for i in items} == {"Phone app"}
    assert [i["current"] for i in items].count(True) == 1
    mine = next(i for i in items if i["current"])
    assert mine["scopes"] == ["read", "write", "follow"] and mine["created_at"].endswith("Z")
    assert mine["last_used_at"] is not None  # this very request used it
    other = next(i for i in items if not i["current"])
    # bob cannot see or revoke alice's
    assert [i["id"] for i in bob.get("/api/archipel/authorizations").get_json()["items"]] != [other["id"]]
    assert bob.post(f"/api/archipel/authorizations/{other['id']}/revoke").status_code == 404
    assert phone.get("/api/v1/accounts/verify_credentials").status_code == 200
    # alice revokes the phone's token from her laptop: the phone is refused at once
    revoked = laptop.post(f"/api/archipel/authorizations/{other['id']}/revoke")
    assert revoked.status_code == 200 and revoked.get_json() == {"id": other["id"], "revoked": True,
                                                                 "current": False}
    assert phone.get("/api/v1/accounts/verify_credentials").status_code == 401
    assert [i["id"] for i in laptop.get("/api/archipel/authorizations").get_json()["items"]] == [mine["id"]]
    assert laptop.post(f"/api/archipel/authorizations/{other['id']}/revoke").status_code == 404  # gone
    # revoking the asking token says so (the web app signs out then)
    assert laptop.post(f"/api/archipel/authorizations/{mine['id']}/revoke").get_json()["current"] is True
    assert laptop.get("/api/archipel/authorizations").status_code == 401


def test_the_list_needs_a_token_and_its_scope(node):
    assert node.gateway.get("/api/archipel/authorizations", base_url=node.base).status_code == 401
    reader = api_user(node, "alice", scopes="read:statuses")
    assert reader.get("/api/archipel/authorizations").status_code == 403
    writer = ApiUser(node, "alice", scopes="read")
    assert writer.post("/api/archipel/authorizations/abc/revoke").status_code == 403
    assert writer.post("/api/archipel/authorizations/not-hex/revoke").status_code == 404  # no route
