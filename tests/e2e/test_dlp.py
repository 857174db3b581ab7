"""The outbound-content guard (data-loss prevention) end to end.

fr and de have the rules of tests.plugin.DLP_RULES: "Project Osprey" in a post's text
holds it for review, the tag #confidential blocks it — only when the post would leave the
group. bob (de, inside) and paula (partner, outside) follow alice (fr). The demo accounts
are seeded with the directory's roles; here amelie@fr is the node administrator and alice
is not (set on their accounts in fr's database directly, restored afterwards).
"""

from __future__ import annotations

import uuid

import pytest

from tests.plugin import DLP_RULES, find, wait_until

AP = {"Accept": "application/activity+json"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
HOLD_RULE, BLOCK_RULE = DLP_RULES["rules"]
CONFIDENTIAL = [{"type": "Hashtag", "name": "#Confidential"}]


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:10]}"


def mentions(items: list[dict], token: str) -> bool:
    return any(token in str(item.get("object", "")) for item in items)


@pytest.fixture(scope="module")
def followed(group):
    """bob (de) and paula (partner) follow alice (fr)."""
    fr, de, partner = group["fr"], group["de"], group["partner"]
    for client, user in ((de, "bob"), (partner, "paula")):
        if fr.actor("alice") not in client.following(user):
            client.publish(user, {"type": "Follow", "object": fr.actor("alice")})
        wait_until(lambda c=client, u=user: fr.actor("alice") in c.following(u),
                   message=f"alice's Accept to reach {user}")
    assert {de.actor("bob"), partner.actor("paula")} <= set(fr.followers("alice"))


@pytest.fixture(scope="module")
def admin(group):
    """amelie@fr is a node administrator (set on her account directly), for this module only."""
    accounts = group["fr"].db.accounts
    # alice (the demo's fr administrator) writes the posts here: the reviewer must be someone else
    before = {name: accounts.find_one({"_id": name}).get("roles", []) for name in ("amelie", "alice")}
    accounts.update_one({"_id": "amelie"}, {"$set": {"roles": ["node_admin"]}})
    accounts.update_one({"_id": "alice"}, {"$set": {"roles": ["community_creator"]}})
    yield "amelie"
    for name, roles in before.items():
        accounts.update_one({"_id": name}, {"$set": {"roles": roles}})


def held_post(fr, username: str, held_id: str):
    return fr.api("GET", f"/api/archipel/held/{held_id}", username)


def test_a_public_post_matching_a_hold_rule_waits_for_an_administrator(group, followed, admin):
    fr, de, partner = group["fr"], group["de"], group["partner"]
    alice = fr.actor("alice")
    published = fr.db.outbox_activities.count_documents({"actor": alice})
    deliveries = fr.db.deliveries.count_documents({"actor": alice})
    token = uuid.uuid4().hex[:10]

    resp = fr.post("alice", {"type": "Note", "content": f"Kick-off of Project Osprey {token}", "to": [PUBLIC]})
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["held"] is True and body["state"] == "held"
    assert body["rule"] == HOLD_RULE["name"] and body["message"] == HOLD_RULE["message"]
    assert body["error"] == "dlp_held" and HOLD_RULE["message"] in body["error_description"]
    assert resp.headers["Location"] == body["url"] == f"{fr.base}/api/archipel/held/{body['id']}"
    # public, and paula (outside) follows alice
    assert body["leaving"] == [PUBLIC, f"{alice}/followers"] and body["activity_id"] is None
    held_id = body["id"]

    # Nothing published: no activity, no object, no Delivery; bob gets it not, though he
    # gets alice's next post.
    assert fr.db.outbox_activities.count_documents({"actor": alice}) == published
    assert fr.db.deliveries.count_documents({"actor": alice}) == deliveries
    assert fr.db.held_posts.find_one({"_id": held_id})["state"] == "held"
    control = fr.publish("alice", {"type": "Note", "content": unique("Lunch at noon"), "to": [PUBLIC]})
    wait_until(lambda: find(de.inbox("bob"), control["id"]), message="alice's next post at bob's")
    assert not mentions(de.inbox("bob"), token)

    # The author sees it; another employee does not; only an administrator decides.
    assert held_post(fr, "alice", held_id).json()["state"] == "held"
    assert held_post(fr, "alain", held_id).status_code == 404
    assert fr.api("GET", f"/api/archipel/held/{held_id}").status_code == 401
    assert fr.api("POST", f"/api/archipel/held/{held_id}/release", "alice").status_code == 403
    assert fr.api("POST", f"/api/archipel/held/{held_id}/release", "alain").status_code == 404
    listed = fr.api("GET", "/api/archipel/held", admin)
    assert listed.status_code == 200 and listed.json()["reviewer"] is True
    assert held_id in [h["id"] for h in listed.json()["items"]]
    assert held_id in [h["id"] for h in fr.api("GET", "/api/archipel/held", "alice").json()["items"]]
    assert held_id not in [h["id"] for h in fr.api("GET", "/api/archipel/held", "alain").json()["items"]]

    released = fr.api("POST", f"/api/archipel/held/{held_id}/release", admin)
    assert released.status_code == 200, released.text
    assert released.json()["state"] == "released" and released.json()["decided_by"] == fr.actor(admin)
    activity_id = released.json()["activity_id"]
    assert activity_id.startswith(f"{fr.base}/activities/")
    got = wait_until(lambda: find(de.inbox("bob"), activity_id), message="the released post at bob's")
    assert token in got["object"]["content"] and got["actor"] == alice
    wait_until(lambda: find(partner.inbox("paula"), activity_id), message="the released post at paula's")
    assert fr.api("POST", f"/api/archipel/held/{held_id}/release", admin).status_code == 409
    assert held_post(fr, "alice", held_id).json()["state"] == "released"
    notice = wait_until(lambda: next((i for i in fr.inbox("alice") if i.get("actor") == f"{fr.base}/actor"
                                      and activity_id in str(i.get("object"))), None),
                        message="the release notice in alice's inbox")
    assert held_id in notice["object"]["content"]


@pytest.mark.parametrize("tagging", ["Hashtag in tag", "#word in the text"])
def test_a_confidential_post_to_an_outside_actor_is_blocked(group, followed, tagging):
    fr, partner = group["fr"], group["partner"]
    alice = fr.actor("alice")
    objects = fr.db.local_objects.count_documents({"author": alice})
    held = fr.db.held_posts.count_documents({})
    post = {"type": "Note", "content": unique("Q3 figures for you"), "to": [partner.actor("paula")]}
    if tagging == "Hashtag in tag":
        post["tag"] = CONFIDENTIAL
    else:
        post["content"] += " #confidential"

    resp = fr.post("alice", post)
    assert resp.status_code == 422, resp.text
    assert resp.json() == {"error": "dlp_blocked", "error_description": BLOCK_RULE["message"],
                           "rule": BLOCK_RULE["name"]}
    assert fr.db.local_objects.count_documents({"author": alice}) == objects
    assert fr.db.held_posts.count_documents({}) == held


@pytest.mark.parametrize("to", [["group"], "bob"])
def test_what_stays_inside_the_group_is_delivered_normally(group, followed, to):
    fr, de = group["fr"], group["de"]
    to = [de.actor("bob")] if to == "bob" else to
    create = fr.publish("alice", {"type": "Note", "content": unique("Project Osprey: Q3 figures"),
                                  "tag": CONFIDENTIAL, "to": to})
    got = wait_until(lambda: find(de.inbox("bob"), create["id"]), message="the post inside the group at bob's")
    assert "Osprey" in got["object"]["content"]


def test_a_followers_only_post_leaves_the_group_when_an_outsider_follows(group, followed):
    fr, partner = group["fr"], group["partner"]
    assert partner.actor("paula") in fr.followers("alice")
    resp = fr.post("alice", {"type": "Note", "content": unique("For my followers"), "tag": CONFIDENTIAL})
    assert resp.status_code == 422 and resp.json()["error"] == "dlp_blocked"
    # alain's followers are all inside the group: the same post stays inside.
    assert not any(f.startswith(partner.base) for f in fr.followers("alain"))
    created = fr.post("alain", {"type": "Note", "content": unique("For my followers"), "tag": CONFIDENTIAL})
    assert created.status_code == 201, created.text


def test_a_rejected_post_is_never_published_and_its_author_is_told(group, followed, admin):
    fr, de = group["fr"], group["de"]
    token = uuid.uuid4().hex[:10]
    resp = fr.post("alice", {"type": "Note", "content": f"project   OSPREY budget {token}", "to": [PUBLIC]})
    assert resp.status_code == 202, resp.text
    held_id = resp.json()["id"]

    rejected = fr.api("POST", f"/api/archipel/held/{held_id}/reject", admin,
                      json={"reason": "Budget figures are not for the public"})
    assert rejected.status_code == 200, rejected.text
    seen = held_post(fr, "alice", held_id).json()
    assert seen["state"] == "rejected" and seen["reason"] == "Budget figures are not for the public"
    assert seen["activity_id"] is None
    assert fr.api("POST", f"/api/archipel/held/{held_id}/release", admin).status_code == 409
    notice = wait_until(lambda: next((i for i in fr.inbox("alice") if i.get("actor") == f"{fr.base}/actor"
                                      and held_id in str(i.get("object"))), None),
                        message="the rejection notice in alice's inbox")
    assert "Budget figures are not for the public" in notice["object"]["content"]
    assert not mentions(de.inbox("bob"), token)
    assert fr.api("GET", "/api/archipel/held", admin, params={"state": "rejected"}).json()["items"][0]["id"] \
        == held_id


def test_an_edit_that_would_leak_is_held_and_the_original_stays_as_it_was(group, followed, admin):
    fr, de = group["fr"], group["de"]
    create = fr.publish("alice", {"type": "Note", "content": unique("Project status: on track"), "to": [PUBLIC]})
    note_id = create["object"]["id"]
    wait_until(lambda: find(de.inbox("bob"), create["id"]), message="the original at bob's")  # (an Update
    # of an object de never saw is ignored there)
    resp = fr.post("alice", {"type": "Update", "object": {"id": note_id, "content": "Project Osprey is on track"}})
    assert resp.status_code == 202, resp.text
    body = resp.json()
    assert body["type"] == "Update" and body["object_id"] == note_id and "Osprey" in body["text"]
    # Not applied before review: the note reads as before, to everyone.
    assert "Osprey" not in fr.http.get(note_id, headers=AP).json()["content"]

    released = fr.api("POST", f"/api/archipel/held/{body['id']}/release", admin)
    assert released.status_code == 200, released.text
    assert "Osprey" in fr.http.get(note_id, headers=AP).json()["content"]
    got = wait_until(lambda: find(de.inbox("bob"), released.json()["activity_id"]),
                     message="the released Update at bob's")
    assert got["type"] == "Update"


def test_relations_and_reactions_are_not_checked(group, followed):
    fr = group["fr"]
    note = fr.publish("alain", {"type": "Note", "content": unique("A public note"), "to": [PUBLIC]})
    like = fr.post("alice", {"type": "Like", "object": note["object"]["id"], "to": [PUBLIC],
                             "content": "Project Osprey"})
    assert like.status_code == 201, like.text
