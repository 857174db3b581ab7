"""Account closure at once and everywhere, as an operator runs it (real nodes fr/de).

bob@de follows alice@fr; alice is deactivated with ``manage deactivate``: her token, her
web session and her actor document stop working on fr at once; de learns it from her
signed Update and refuses anything signed with her key, stops delivering to her and hides
what she wrote; ``manage reactivate`` restores all of it (she signs in again).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid

import pytest
import requests

from fedkit.runtime.config import Config
from fedkit.runtime.http import signed_post
from tests.plugin import REPO, find, wait_until

OOB = "urn:ietf:wg:oauth:2.0:oob"
AP = {"Accept": "application/activity+json"}


def manage(group, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "services.identity.manage", *args], cwd=REPO,
                          env=group.nodes["fr"].env, capture_output=True, text=True, timeout=120)


def web_session(fr, app: dict) -> tuple[requests.Session, str]:
    """alice signed in on fr's login page; the authorization URL her session opens."""
    browser = requests.Session()
    authorize = requests.Request("GET", f"{fr.base}/oauth/authorize", params={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": OOB,
        "scope": "read"}).prepare().url
    csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get(f"{fr.base}/login").text).group(1)
    resp = browser.post(f"{fr.base}/login", data={"username": "alice", "password": fr.password, "csrf": csrf},
                        params={"next": authorize[len(fr.base):]}, allow_redirects=False)
    assert resp.status_code == 302, resp.text
    return browser, authorize


def suspended_at_de(de, fr, value: bool) -> bool:
    cached = de.db.remote_actors.find_one({"_id": fr.actor("alice")})
    return cached is not None and cached.get("suspended", False) is value


@pytest.fixture(scope="module")
def bob_follows_alice(group):
    fr, de = group["fr"], group["de"]
    follow = de.publish("bob", {"type": "Follow", "object": fr.actor("alice")})
    wait_until(lambda: fr.actor("alice") in de.following("bob"), message="alice's Accept on de")
    yield follow
    # Leave the shared nodes as found: alice active, her old token forgotten, no follow.
    if fr.db.accounts.find_one({"_id": "alice"})["suspended"]:
        manage(group, "reactivate", "alice", "--by", "admin:tests")
    fr._tokens.pop("alice", None)
    de.publish("bob", {"type": "Undo", "object": follow["id"]})
    wait_until(lambda: de.actor("bob") not in fr.followers("alice"), message="bob's unfollow on fr")


def test_deactivation_takes_effect_at_once_everywhere_and_reactivation_restores(group, bob_follows_alice):
    fr, de = group["fr"], group["de"]
    alice = fr.actor("alice")
    fr._tokens.pop("alice", None)
    token = fr.token("alice")
    bearer = {"Authorization": f"Bearer {token}"}
    before = fr.publish("alice", {"type": "Note", "content": "Handover notes for the Lyon plant",
                                  "to": [f"{alice}/followers"]})
    wait_until(lambda: find(de.inbox("bob"), before["id"]), message="alice's note in bob's inbox")
    assert find(de.inbox("bob"), before["id"])["object"]["content"] == before["object"]["content"]
    app = fr.http.post(f"{fr.base}/api/v1/apps", data={"client_name": "Browser", "redirect_uris": OOB,
                                                       "scopes": "read"}).json()
    browser, authorize = web_session(fr, app)
    assert browser.get(authorize, allow_redirects=False).status_code == 200  # the consent page
    assert fr.http.get(f"{alice}/inbox", headers=bearer).status_code == 200

    done = manage(group, "deactivate", "alice", "--by", "admin:tests")
    assert done.returncode == 0, done.stderr

    # fr, at once: token, web session, actor document, WebFinger
    assert fr.http.get(f"{alice}/inbox", headers=bearer).status_code == 401
    resp = browser.get(authorize, allow_redirects=False)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    # the group keeps a departed employee's shared posts (departed_content: keep, the default):
    # the actor is still served, closed and marked (tests/e2e/test_departure.py)
    resp = fr.http.get(alice, headers=AP)
    assert resp.status_code == 200 and (resp.json()["suspended"], resp.json()["formerEmployee"]) == (True, True)
    assert "Lyon" not in resp.text
    assert fr.http.get(f"{fr.base}/.well-known/webfinger",
                       params={"resource": f"acct:alice@{fr.host}"}).status_code == 404
    assert fr.db.oauth_tokens.count_documents({"username": "alice", "revoked": False}) == 0
    grant = fr.http.post(f"{fr.base}/oauth/token", data={
        "grant_type": "password", "username": "alice", "password": fr.password,
        "client_id": app["client_id"], "client_secret": app["client_secret"], "scope": "read"})
    assert grant.status_code == 400 and grant.json()["error"] == "invalid_grant"
    [change] = fr.db.account_changes.find({"username": "alice"})
    assert (change["action"], change["by"], change["tokens_revoked"] >= 1) == ("deactivate", "admin:tests", True)

    # the Update with "suspended": true went to de (a follower's node and a member node)
    update = fr.db.outbox_activities.find_one({"actor": alice, "activity_type": "Update",
                                               "raw.object.suspended": True})
    assert update is not None and update["raw"]["object"]["summary"] == ""
    wait_until(lambda: suspended_at_de(de, fr, True), message="de to record alice's suspension")

    # de accepts nothing signed with alice's key any more
    key = fr.db.actor_keys.find_one({"_id": alice})
    forged = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
              "id": f"{fr.base}/activities/{uuid.uuid4().hex}", "actor": alice, "to": [de.actor("bob")],
              "object": {"id": f"{fr.base}/objects/{uuid.uuid4().hex}", "type": "Note",
                         "attributedTo": alice, "content": "still here", "to": [de.actor("bob")]}}
    def refused():
        forged["id"] = f"{fr.base}/activities/{uuid.uuid4().hex}"
        resp = signed_post(f"{de.base}/inbox", json.dumps(forged).encode(), Config(dev_mode=True),
                           key_id=key["key_id"], private_pem=key["private_pem"])
        return resp.json() if resp.status_code == 401 else None  # (a 4xx Response is falsy)

    # de's gateway re-checks a remembered key's owner every few seconds (fedkit.protocol.actors)
    answer = wait_until(refused, timeout=10, interval=0.5, message="de's gateway to refuse alice's key")
    assert answer["error"] == "key_unknown"  # parsed; no key for her
    assert de.db.inbound_activities.count_documents({"_id": forged["id"]}) == 0

    # bob's inbox keeps the item but shows nothing of what alice wrote
    item = find(de.inbox("bob"), before["id"])
    assert item["object"] == {"id": before["object"]["id"], "type": "Tombstone"}
    assert "Lyon" not in json.dumps(de.inbox("bob"))

    # de delivers nothing more to her
    direct = de.publish("bob", {"type": "Note", "content": "Are you still there?", "to": [alice],
                                "tag": [{"type": "Mention", "href": alice, "name": f"@alice@{fr.host}"}]})
    wait_until(lambda: de.db.outbox_activities.find_one({"_id": direct["id"], "fanout": "done"}),
               message="bob's fan-out")
    assert de.db.deliveries.count_documents({"activity_id": direct["id"]}) == 0

    # a second deactivation changes nothing and announces nothing again
    again = manage(group, "deactivate", "alice", "--by", "scim")
    assert again.returncode == 0, again.stderr
    assert fr.db.account_changes.count_documents({"username": "alice"}) == 1
    assert fr.db.outbox_activities.count_documents({"actor": alice, "activity_type": "Update",
                                                    "raw.object.suspended": True}) == 1

    done = manage(group, "reactivate", "alice", "--by", "admin:tests")
    assert done.returncode == 0, done.stderr

    # fr: old token and old session stay dead; she signs in again
    assert fr.http.get(f"{alice}/inbox", headers=bearer).status_code == 401
    resp = browser.get(authorize, allow_redirects=False)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    fr._tokens.pop("alice", None)
    assert fr.http.get(f"{alice}/inbox", headers=fr.auth("alice")).status_code == 200
    assert fr.http.get(alice, headers=AP).status_code == 200
    browser, authorize = web_session(fr, app)
    assert browser.get(authorize, allow_redirects=False).status_code == 200
    assert [c["action"] for c in fr.db.account_changes.find({"username": "alice"}).sort("at", 1)] == \
        ["deactivate", "reactivate"]

    # de refetches her (active again) and her posts reach bob again
    wait_until(lambda: suspended_at_de(de, fr, False), message="de to restore alice")
    after = fr.publish("alice", {"type": "Note", "content": "Back from leave",
                                 "to": [f"{alice}/followers"]})
    arrived = wait_until(lambda: find(de.inbox("bob"), after["id"]), message="alice's new note for bob")
    assert arrived["object"]["content"] == after["object"]["content"]
    assert find(de.inbox("bob"), before["id"])["object"]["content"] == before["object"]["content"]
