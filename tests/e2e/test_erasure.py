"""Erasure on request, with a legal hold (issue 12, "Personal data"), on real nodes fr/de.

A freshly SCIM-provisioned employee of fr follows bob@de (who follows them back), posts a
photo to the public; an administrator of fr (alice, ``node_admin``) places a legal hold: the
erasure is refused (409) and nothing goes. The hold lifted, the erasure runs: on fr their
post, its file and their follows are gone, on de (told by the federated Delete of the
account) the post and the follows too; once the retention job has run, the audit trail
names the pseudonym, never the name, and the erasure's own record keeps who, when and why.
"""

from __future__ import annotations

import io
import subprocess
import sys
import uuid

import requests
from werkzeug.security import generate_password_hash

from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import REPO, wait_until
from tests.unit.test_media_processing import photo

SCIM = "application/scim+json"
AUDITOR = "alain"  # the demo's auditor (fedkit/runtime/demo.py)
ADMIN = "alice"  # the demo's node_admin
ADMIN_SCOPES = "read write follow admin:read admin:write"


def scim_employee(fr) -> str:
    """A new employee provisioned by the directory (SCIM); a password for the test's sign-in."""
    name = f"erasable{uuid.uuid4().hex[:8]}"
    created = requests.post(f"{fr.base}/scim/v2/Users", headers={
        "Authorization": f"Bearer {fr.scim_token}", "Content-Type": SCIM}, json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name,
        "externalId": uuid.uuid4().hex, "displayName": "Zoé Erasable", "title": "Welder", "active": True},
        timeout=30)
    assert created.status_code == 201, created.text
    fr.db.accounts.update_one({"_id": name}, {"$set": {"password_hash": generate_password_hash(fr.password)}})
    return name


def admin_headers(fr) -> dict:
    app = fr.http.post(f"{fr.base}/api/v1/apps", data={"client_name": "erasure tests", "scopes": ADMIN_SCOPES}).json()
    resp = fr.http.post(f"{fr.base}/oauth/token", data={
        "grant_type": "password", "username": ADMIN, "password": fr.password, "client_id": app["client_id"],
        "client_secret": app["client_secret"], "scope": ADMIN_SCOPES})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def test_a_legal_hold_refuses_erasure_then_erasure_removes_everything_everywhere(group):
    fr, de = group["fr"], group["de"]
    name = scim_employee(fr)
    actor = fr.actor(name)
    employee = password_app(fr, name)
    fr.follow_and_wait(name, de, "bob")
    de.follow_and_wait("bob", fr, name)
    media = employee.media_post(io.BytesIO(photo(64, 48)), mime_type="image/jpeg", description="Press 4")
    tag = uuid.uuid4().hex[:8]
    post = employee.status_post(f"Calibrating press 4 {tag}", media_ids=[media], visibility="public")
    file_url = post.media_attachments[0].url
    assert requests.get(file_url, timeout=30).status_code == 200

    def bobs_home() -> dict:
        resp = de.api("GET", "/api/v1/timelines/home?limit=40", "bob")
        assert resp.status_code == 200, resp.text
        return {s["uri"]: s for s in resp.json()}

    wait_until(lambda: post.uri in bobs_home(), message="the post in bob's home on de")
    admin = admin_headers(fr)
    account_id = str(employee.me().id)
    base = f"{fr.base}/api/archipel/admin/accounts/{account_id}"

    # A legal hold: the erasure is refused and nothing is removed.
    held = fr.http.post(f"{base}/legal_hold", json={"reason": "Litigation 2026-17"}, headers=admin)
    assert held.status_code == 200, held.text
    assert held.json()["legal_hold"]["reason"] == "Litigation 2026-17"
    assert fr.http.get(base, headers=admin).json()["legal_hold"]["placed_by"] == f"admin:{ADMIN}"
    refused = fr.http.post(f"{base}/erase", json={"reason": "asked by the employee"}, headers=admin)
    assert refused.status_code == 409, refused.text
    assert "legal hold" in refused.json()["error"] and refused.json()["legal_hold"]["reason"] == "Litigation 2026-17"
    assert fr.api("GET", f"/api/v1/statuses/{post.id}", ADMIN).status_code == 200
    assert requests.get(file_url, timeout=30).status_code == 200
    assert actor in de.followers("bob") and fr.actor(name) in de.following("bob")
    assert employee.account_verify_credentials().username == name  # still open

    # Only an administrator erases: amelie is none.
    assert fr.http.post(f"{base}/erase", json={"reason": "x"}, headers=fr.auth("amelie")).status_code == 403

    # The hold lifted, the erasure runs.
    assert fr.http.delete(f"{base}/legal_hold", headers=admin).status_code == 200
    assert fr.http.get(base, headers=admin).json()["legal_hold"] is None
    erased = fr.http.post(f"{base}/erase", json={"reason": "asked by the employee"}, headers=admin)
    assert erased.status_code == 200, erased.text
    outcome = erased.json()
    pseudonym = outcome["pseudonym"]
    assert pseudonym.startswith("erased-") and name not in pseudonym
    assert {s for s, state in outcome["steps"].items() if state == "pending"} == {"audit_trail"}
    again = fr.http.post(f"{base}/erase", json={"reason": "asked by the employee"}, headers=admin)
    assert again.status_code == 200 and again.json()["pseudonym"] == pseudonym  # idempotent

    # fr: signed out, the post, its file, the follows and the profile gone.
    assert fr.http.get(f"{fr.base}/api/v1/accounts/verify_credentials",
                       headers={"Authorization": f"Bearer {employee.access_token}"}).status_code == 401
    assert fr.api("GET", f"/api/v1/statuses/{post.id}", ADMIN).status_code == 404
    assert requests.get(file_url, timeout=30).status_code == 404
    assert fr.db.api_media.count_documents({"owner": name}) == 0
    assert fr.db.follows.count_documents({"$or": [{"follower": actor}, {"followee": actor}]}) == 0
    assert fr.db.local_objects.count_documents({"author": actor, "deleted": False}) == 0
    account = fr.db.accounts.find_one({"_id": name})
    assert account["display_name"] == "" and "scim_attributes" not in account and account["suspended"] is True

    # de: told by the account's Delete, the post and the follows go there too.
    wait_until(lambda: post.uri not in bobs_home(), message="the post gone from bob's home on de")
    wait_until(lambda: actor not in de.followers("bob") and actor not in de.following("bob"),
               message="the follows gone on de")
    assert de.db.received_objects.find_one({"_id": post.uri})["deleted"] is True

    # The retention job pseudonymises the gateway's audit trail and ends the erasure.
    subprocess.run([sys.executable, "-m", "deploy.retention", "--once"], cwd=REPO, env=group.nodes["fr"].env,
                   check=True, capture_output=True, timeout=120)
    record = fr.db.erasures.find_one({"_id": pseudonym})
    assert record["by"] == f"admin:{ADMIN}" and record["reason"] == "asked by the employee"
    assert "username" not in record and record["finished_at"] is not None

    def trail(user: str) -> list[dict]:
        resp = fr.api("GET", "/api/archipel/audit", AUDITOR, params={"user": user})
        assert resp.status_code == 200, resp.text
        return resp.json()

    assert trail(name) == []
    assert any(r["path"].startswith("/api/v") for r in trail(pseudonym))
    assert fr.db.account_changes.count_documents({"username": name}) == 0
    assert fr.db.account_changes.count_documents({"username": pseudonym}) >= 1
    assert fr.db.scim_changes.count_documents({"username": name}) == 0
