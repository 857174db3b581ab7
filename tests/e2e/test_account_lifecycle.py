"""The whole life of an employee's account, as the group's systems drive it: the
directory provisions it by SCIM, the employee signs in with the group account, posts,
and when they leave the directory closes it: the token stops working at once on their
node and the other member node hides the actor."""

from __future__ import annotations

import os
import subprocess
import sys

import requests

from tests.e2e.sso_support import follow_to_node, start_sso, token_for_signed_in
from tests.e2e.test_sso_group_provider import sign_in_at_group_provider
from tests.plugin import find, wait_until

SCIM = "application/scim+json"


def scim(client, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{client.base}/scim/v2{path}", headers={
        "Authorization": f"Bearer {client.scim_token}", "Content-Type": SCIM}, **kwargs)


def test_scim_create_first_login_post_then_close(group):
    fr, de = group["fr"], group["de"]
    # the group directory: a new employee at the provider…
    env = dict(group.idp.env, ARCHIPEL_NEW_USER_PASSWORD=group["fr"].password)
    subprocess.run([sys.executable, "-m", "services.idp.manage", "add-employee", "camille", "--home-node", "fr",
                    "--name", "Camille Claudel", "--role", "community_creator"], env=env, check=True,
                   stdout=subprocess.DEVNULL, cwd=os.getcwd())
    employee = group.mongo["archipel_group"].employees.find_one({"username": "camille"})
    # …provisioned on her home node by SCIM
    created = scim(fr, "POST", "/Users", json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "camille",
        "externalId": employee["_id"], "displayName": "Camille Claudel", "active": True})
    assert created.status_code == 201, created.text
    # first sign-in with the group account finds that account (no new one)
    browser = requests.Session()
    redirect = start_sso(fr.base, browser)
    follow_to_node(fr.base, browser, sign_in_at_group_provider(group, browser, redirect.headers["Location"],
                                                                "camille"))
    assert fr.db.accounts.count_documents({"subject": employee["_id"]}) == 1
    token = token_for_signed_in(fr, browser)
    auth = {"Authorization": f"Bearer {token}"}
    # bob@de follows her; she posts to her followers
    fr_camille = fr.actor("camille")
    de.publish("bob", {"type": "Follow", "object": fr_camille})
    wait_until(lambda: fr_camille in de.following("bob"), message="bob to follow camille")
    post = requests.post(f"{fr_camille}/outbox", headers=auth, json={"type": "Note", "content": "Hello from Camille"})
    assert post.status_code == 201
    wait_until(lambda: find(de.inbox("bob"), post.json()["id"]), message="her post on de")
    # she leaves: the directory closes the account
    user_id = created.json()["id"]
    closed = scim(fr, "PATCH", f"/Users/{user_id}", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}]})
    assert closed.status_code in (200, 204), closed.text  # RFC 7644 §3.5.2: 204 when nothing is returned
    assert scim(fr, "GET", f"/Users/{user_id}").json()["active"] is False
    assert requests.get(f"{fr_camille}/inbox", headers=auth).status_code == 401  # at once
    closed = requests.get(fr_camille, headers={"Accept": "application/activity+json"})
    assert closed.status_code == 200 and closed.json()["suspended"] is True  # kept, marked: test_departure.py
    wait_until(lambda: (de.db.remote_actors.find_one({"_id": fr_camille}) or {}).get("suspended") is True,
               message="de to learn the closure")
    shown = find(de.inbox("bob"), post.json()["id"])
    assert "Hello from Camille" not in str(shown)  # de hides what she wrote
