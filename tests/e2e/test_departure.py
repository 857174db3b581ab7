"""An employee leaves: the directory closes the account by SCIM (real nodes fr/de).

The group's registry says what the departed employee's content becomes
(``departed_content``): with ``keep`` their group post stays readable on fr and on de,
attributed to them and marked "former employee", while their followers-only post is hidden;
with ``hide`` both are gone everywhere. Either way their token answers 401 at once and de
accepts nothing more signed with their key. Each test uses a disposable account.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from contextlib import contextmanager

import requests

from fedkit.runtime.config import Config
from fedkit.runtime.http import signed_post
from tests.plugin import REPO, find, wait_until

AP = {"Accept": "application/activity+json"}
SCIM = "application/scim+json"


@contextmanager
def departed_content(group, value: str):
    """The group's registry (one file every node re-reads when it changes) with this setting."""
    path = group.nodes["fr"].env["ARCHIPEL_GROUP_REGISTRY"]
    with open(path, encoding="utf-8") as fh:
        original = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({**json.loads(original), "departed_content": value}, fh)
    try:
        yield
    finally:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(original)


def new_employee(group) -> str:
    fr = group["fr"]
    name = f"leaver{uuid.uuid4().hex[:8]}"
    subprocess.run([sys.executable, "-m", "services.identity.manage", "create-user", name, "--display-name",
                    "Léa Leaver"], cwd=REPO, env={**group.nodes["fr"].env, "ARCHIPEL_NEW_USER_PASSWORD": fr.password},
                   check=True, capture_output=True, timeout=120)
    return name


def close_by_scim(fr, name: str) -> None:
    resp = requests.patch(f"{fr.base}/scim/v2/Users/{name}", headers={
        "Authorization": f"Bearer {fr.scim_token}", "Content-Type": SCIM}, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}]})
    assert resp.status_code in (200, 204), resp.text


def posts_then_leaves(group, name: str) -> dict:
    """bob@de follows the employee, who posts to the whole group and to followers only, then
    leaves; their token answers 401 at once and de learns the closure."""
    fr, de = group["fr"], group["de"]
    actor = fr.actor(name)
    follow = de.publish("bob", {"type": "Follow", "object": actor})
    wait_until(lambda: actor in de.following("bob"), message="bob to follow the employee")
    audience = json.loads(open(group.nodes["fr"].env["ARCHIPEL_GROUP_REGISTRY"]).read())["audience"]
    shared = fr.publish(name, {"type": "Note", "content": "How we calibrate the Lyon press", "to": [audience]})
    private = fr.publish(name, {"type": "Note", "content": "Drinks on Friday, my friends",
                                "to": [f"{actor}/followers"]})
    for post in (shared, private):
        wait_until(lambda p=post: find(de.inbox("bob"), p["id"]), message="the posts in bob's inbox")
    bearer = fr.auth(name)
    assert fr.http.get(f"{actor}/inbox", headers=bearer).status_code == 200

    close_by_scim(fr, name)
    assert fr.http.get(f"{actor}/inbox", headers=bearer).status_code == 401  # at once
    assert fr.http.get(f"{fr.base}/api/v1/accounts/verify_credentials", headers=bearer).status_code == 401
    wait_until(lambda: (de.db.remote_actors.find_one({"_id": actor}) or {}).get("suspended") is True,
               message="de to learn the closure")
    return {"actor": actor, "shared": shared, "private": private, "follow": follow}


def unfollow(group, left: dict) -> None:
    """bob follows nobody who left (other tests count his follows)."""
    group["de"].publish("bob", {"type": "Undo", "object": left["follow"]["id"]})


def de_refuses_key(group, actor: str) -> None:
    fr, de = group["fr"], group["de"]
    key = fr.db.actor_keys.find_one({"_id": actor})

    def refused():
        forged = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
                  "id": f"{fr.base}/activities/{uuid.uuid4().hex}", "actor": actor, "to": [de.actor("bob")],
                  "object": {"id": f"{fr.base}/objects/{uuid.uuid4().hex}", "type": "Note", "attributedTo": actor,
                             "content": "still here", "to": [de.actor("bob")]}}
        resp = signed_post(f"{de.base}/inbox", json.dumps(forged).encode(), Config(dev_mode=True),
                           key_id=key["key_id"], private_pem=key["private_pem"])
        return resp.status_code == 401

    wait_until(refused, timeout=10, interval=0.5, message="de to refuse the departed employee's key")


def home_statuses(de) -> dict[str, dict]:
    resp = de.api("GET", "/api/v1/timelines/home?limit=40", "bob")
    assert resp.status_code == 200, resp.text
    return {s["uri"]: s for s in resp.json()}


def test_keep_leaves_group_posts_readable_and_marked_followers_only_hidden(group, request):
    fr, de = group["fr"], group["de"]
    with departed_content(group, "keep"):
        left = posts_then_leaves(group, new_employee(group))
        actor, shared, private = left["actor"], left["shared"]["object"], left["private"]["object"]
        request.addfinalizer(lambda: unfollow(group, left))

        # the actor document says it: closed, a former employee, still named
        person = fr.http.get(actor, headers=AP)
        assert person.status_code == 200, person.text
        person = person.json()
        assert (person["suspended"], person["formerEmployee"], person["name"]) == (True, True, "Léa Leaver")
        de_refuses_key(group, actor)

        # de: bob still reads the group post, attributed and marked; not the followers-only one
        wait_until(lambda: shared["id"] in home_statuses(de), message="the group post in bob's home")
        home = home_statuses(de)
        status = home[shared["id"]]
        assert "Lyon press" in status["content"]
        assert status["account"]["former_employee"] is True
        assert status["account"]["fields"][0]["value"] == "Former employee"
        assert status["account"]["display_name"] == "Léa Leaver"
        assert private["id"] not in home
        inbox = json.dumps(de.inbox("bob"))
        assert "Lyon press" in inbox and "Drinks on Friday" not in inbox
        # fetching it from its origin, as a member node does, still works
        assert de.proxy_fetch("bob", shared["id"]).status_code == 200
        assert de.proxy_fetch("bob", private["id"]).status_code == 404

        # fr: the account's page lists the group post, marked; alice is no follower
        account = fr.api("GET", f"/api/v1/accounts/lookup?acct={actor.rsplit('/', 1)[1]}", "alice")
        assert account.status_code == 200, account.text
        assert account.json()["former_employee"] is True
        statuses = fr.api("GET", f"/api/v1/accounts/{account.json()['id']}/statuses", "alice").json()
        assert [s["uri"] for s in statuses] == [shared["id"]]
        # nobody can mention them any more (nothing is addressed to a closed account)
        mention = fr.api("POST", "/api/v1/statuses", "alice",
                         data={"status": f"@{actor.rsplit('/', 1)[1]} are you there?", "visibility": "private"})
        assert mention.status_code == 200 and mention.json()["mentions"] == []


def test_hide_takes_everything_away_everywhere(group, request):
    fr, de = group["fr"], group["de"]
    with departed_content(group, "hide"):
        left = posts_then_leaves(group, new_employee(group))
        actor, shared, private = left["actor"], left["shared"]["object"], left["private"]["object"]
        request.addfinalizer(lambda: unfollow(group, left))

        assert fr.http.get(actor, headers=AP).status_code == 410
        de_refuses_key(group, actor)
        home = home_statuses(de)
        assert shared["id"] not in home and private["id"] not in home
        inbox = json.dumps(de.inbox("bob"))
        assert "Lyon press" not in inbox and "Drinks on Friday" not in inbox
        for post in (shared, private):
            assert fr.http.get(post["id"], headers=AP).status_code == 404
            assert de.proxy_fetch("bob", post["id"]).status_code == 404
