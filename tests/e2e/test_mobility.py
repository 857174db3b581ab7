"""An employee moves from fr to de (real nodes): the directory creates their account at de
with the mobility extension's ``movedFrom`` and sets ``movedTo`` at fr (SCIM); fr sends a
``Move`` (services/identity/mobility.py). Afterwards their followers on fr and on de follow the
new actor, their communities (one on fr they own, one on de they joined) count the new actor
as a member with the same role, the old profile link redirects a browser to the new one,
the old actor document and the client API say where they went, and the old account no
longer signs in. A disposable account: the shared demo users only follow it.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import requests

from tests.e2e.community_support import join_and_wait, membership_state
from tests.plugin import REPO, wait_until

SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
MOBILITY = "urn:archipel:params:scim:schemas:extension:mobility:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
AP = {"Accept": "application/activity+json"}


def scim(client, method: str, path: str, body: dict) -> requests.Response:
    return client.http.request(method, f"{client.base}/scim/v2{path}", json=body, headers={
        "Authorization": f"Bearer {client.scim_token}", "Content-Type": SCIM_JSON})


def new_employee(group) -> str:
    fr = group["fr"]
    name = f"mover{uuid.uuid4().hex[:8]}"
    subprocess.run([sys.executable, "-m", "services.identity.manage", "create-user", name, "--display-name",
                    "Marc Mover"], cwd=REPO, env={**group.nodes["fr"].env, "ARCHIPEL_NEW_USER_PASSWORD": fr.password},
                   check=True, capture_output=True, timeout=120)
    return name


def account_id(client, username: str, acct: str) -> str:
    resp = client.api("GET", f"/api/v1/accounts/lookup?acct={acct}", username)
    assert resp.status_code == 200, resp.text
    return resp.json()["id"]


def unfollow(client, username: str, acct: str) -> None:
    client.api("POST", f"/api/v1/accounts/{account_id(client, username, acct)}/unfollow", username)


def accepted(client, follower: str, followee: str) -> bool:
    return client.db.follows.find_one({"follower": follower, "followee": followee, "state": "accepted"}) is not None


def test_a_move_from_fr_to_de_keeps_followers_and_memberships(group, request):
    fr, de = group["fr"], group["de"]
    name = new_employee(group)
    old, new = fr.actor(name), de.actor(name)
    fr.follow_and_wait("alain", fr, name)
    de.follow_and_wait("bob", fr, name)
    owned = fr.create_community(name, name="Mobility owners", slug=f"mob{uuid.uuid4().hex[:8]}", openness="free")
    joined = de.create_community("berta", name="Mobility joiners", slug=f"mob{uuid.uuid4().hex[:8]}",
                                 openness="free")
    join_and_wait(de, fr, name, joined)
    bearer = fr.auth(name)

    # the directory: the account at de, naming the old actor; then movedTo at fr
    created = scim(de, "POST", "/Users", {"schemas": [USER_SCHEMA, MOBILITY], "userName": name,
                                          "displayName": "Marc Mover", MOBILITY: {"movedFrom": old}})
    assert created.status_code == 201, created.text
    assert de.http.get(new, headers=AP).json()["alsoKnownAs"] == [old]
    moved = scim(fr, "PATCH", f"/Users/{name}", {"schemas": [PATCH_SCHEMA], "Operations": [
        {"op": "replace", "path": f"{MOBILITY}:movedTo", "value": new}]})
    assert moved.status_code in (200, 204), moved.text
    user = fr.http.get(f"{fr.base}/scim/v2/Users/{name}", headers={"Authorization": f"Bearer {fr.scim_token}"})
    assert user.json()[MOBILITY]["movedTo"] == new
    request.addfinalizer(lambda: (unfollow(fr, "alain", f"{name}@{de.host}"), unfollow(de, "bob", name)))
    # the directory deletes the old account later (test_scim's compliance client lists fr's Users)
    request.addfinalizer(lambda: scim(fr, "DELETE", f"/Users/{name}", {}))

    # the old account: no sign-in, its actor says where it went, a browser is sent there
    assert fr.http.get(f"{fr.base}/api/v1/accounts/verify_credentials", headers=bearer).status_code == 401
    assert fr.http.get(old, headers=AP).json()["movedTo"] == new
    page = fr.http.get(old, headers={"Accept": "text/html"}, allow_redirects=False)
    assert page.status_code == 301 and page.headers["Location"] == new
    looked_up = fr.api("GET", f"/api/v1/accounts/lookup?acct={name}", "alice").json()
    assert looked_up["moved"]["uri"] == new

    # followers on fr and on de follow the new actor, no longer the old one
    wait_until(lambda: {fr.actor("alain"), de.actor("bob")} <= set(de.followers(name)),
               message="the followers to follow the new actor")
    wait_until(lambda: not {fr.actor("alain"), de.actor("bob")} & set(fr.followers(name)),
               message="the old follows to be undone")
    wait_until(lambda: accepted(fr, fr.actor("alain"), new) and accepted(de, de.actor("bob"), new),
               message="the followers' nodes to record the new follows accepted")

    # memberships: the new actor's, same role, and its node (de) lists them
    for host, community, role in ((fr, owned, "owner"), (de, joined, "member")):
        wait_until(lambda h=host, c=community: membership_state(h, c["slug"], new) == "member",
                   message=f"the new actor's membership of {community['slug']}")
        assert host.db.memberships.find_one({"community": community["slug"], "actor": new})["role"] == role
        assert membership_state(host, community["slug"], old) is None
        wait_until(lambda c=community: accepted(de, new, c["id"]), message="de to list the membership")
    assert fr.db.communities.find_one({"_id": owned["slug"]})["owner"] == new
