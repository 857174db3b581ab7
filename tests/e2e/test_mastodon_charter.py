"""A new version of the group's usage charter blocks writing through the client API until
the employee accepts it (issue 12), with real Mastodon clients (Mastodon.py) on both
layouts: alice on fr (split) and bob on de (compact). Reads keep working; the refusal
names the charter and where to accept it; acceptance goes through Archipel's
``/api/archipel/charter`` and is recorded (who, which version, when, from where, which app)."""

from __future__ import annotations

import uuid

import pytest
import requests
from mastodon import MastodonAPIError

from tests.e2e.charter_support import group_charter  # noqa: F401 (a fixture)
from tests.e2e.test_mastodon_statuses import password_app

CHARTER = "/api/archipel/charter"


@pytest.fixture(scope="module")
def apps(group):
    return {"alice": password_app(group["fr"], "alice"), "bob": password_app(group["de"], "bob")}


def refusal(app) -> MastodonAPIError:
    with pytest.raises(MastodonAPIError) as refused:
        app.status_post(f"should wait for the charter {uuid.uuid4().hex[:6]}", visibility="private")
    return refused.value


def accept(client, app) -> dict:
    """What an app does for the user: read the charter, accept the version read."""
    headers = {"Authorization": f"Bearer {app.access_token}"}
    shown = requests.get(client.base + CHARTER, headers=headers, timeout=30)
    assert shown.status_code == 200, shown.text
    assert shown.json()["required"] is True and shown.json()["accepted"] is False
    accepted = requests.post(client.base + CHARTER + "/accept", json={"version": shown.json()["version"]},
                             headers=headers, timeout=30)
    assert accepted.status_code == 200, accepted.text
    return accepted.json()


def test_a_new_charter_version_blocks_writing_until_accepted(group, apps, group_charter):  # noqa: F811
    fr, de = group["fr"], group["de"]
    alice, bob = apps["alice"], apps["bob"]
    assert alice.status_post("before any charter", visibility="private")["id"]

    group_charter(f"# Usage charter ({uuid.uuid4().hex[:6]})\n\nRespect your colleagues.")
    for app, client in ((alice, fr), (bob, de)):
        refused = refusal(app)
        assert refused.args[1] == 403, refused.args
        message = str(refused)
        assert "usage charter" in message and f"{client.base}/web/charter" in message
        assert "/api/archipel/charter/accept" in message
        assert isinstance(app.timeline_home(), list)  # reads still work
        assert app.account_verify_credentials()["username"] in ("alice", "bob")

    first = accept(fr, alice)
    assert first["accepted"] is True
    assert alice.status_post("after accepting the charter", visibility="private")["id"]
    refusal(bob)  # bob's node, bob's acceptance: still to come
    accept(de, bob)
    assert bob.status_post("bob accepted too", visibility="private")["id"]

    # the group publishes a new version: both must accept it again
    group_charter(f"# Usage charter, version 2 ({uuid.uuid4().hex[:6]})\n\nRespect your colleagues.")
    assert refusal(alice).args[1] == 403
    second = accept(fr, alice)
    assert second["version"] != first["version"] and second["accepted_version"] == second["version"]
    assert alice.status_post("the second version accepted", visibility="private")["id"]
    assert refusal(bob).args[1] == 403

    kept = list(fr.db["charter_acceptances"].find({"username": "alice"}).sort("accepted_at", 1))
    assert [r["version"] for r in kept][-2:] == [first["version"], second["version"]]
    assert kept[-1]["client_address"] == "127.0.0.1" and kept[-1]["client_id"]


def test_activitypub_client_to_server_posting_waits_for_the_charter_too(group, group_charter):  # noqa: F811
    """The same rule over ActivityPub C2S (POST /users/<u>/outbox), on both layouts: the
    same 403 and words as the client API until the version in force is accepted."""
    for client, user in ((group["fr"], "alice"), (group["de"], "bob")):
        note = {"type": "Note", "content": f"C2S {uuid.uuid4().hex[:6]}", "to": [f"{client.actor(user)}/followers"]}
        group_charter(f"# Usage charter ({uuid.uuid4().hex[:6]})\n\nAlso over ActivityPub.")
        refused = client.post(user, note)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == "charter_not_accepted"
        assert f"{client.base}/web/charter" in refused.json()["error_description"]
        reading = client.http.get(f"{client.actor(user)}/outbox", headers=client.auth(user), timeout=30)
        assert reading.status_code == 200  # reads still work
        headers = client.auth(user)
        version = requests.get(client.base + CHARTER, headers=headers, timeout=30).json()["version"]
        accepted = requests.post(client.base + CHARTER + "/accept", json={"version": version}, headers=headers,
                                 timeout=30)
        assert accepted.status_code == 200, accepted.text
        assert client.post(user, note).status_code == 201
