"""The ``group`` and ``node`` audiences end to end.

fr and de are the group's member nodes, partner is outside. bob@de and paula@partner
follow alice@fr. A ``group`` post reaches member nodes only and is served only to
requesters inside the group; a ``node`` post never leaves its node.
"""

from __future__ import annotations

import uuid

import pytest

from tests.plugin import find, wait_until

AP = {"Accept": "application/activity+json"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def unique(text: str) -> str:
    return f"{text} {uuid.uuid4().hex[:10]}"


def fanout_done(client, activity_id: str):
    return wait_until(lambda: client.db.outbox_activities.find_one({"_id": activity_id, "fanout": "done"}),
                      message=f"the fan-out of {activity_id}")


def audiences(client) -> dict:
    resp = client.http.get(f"{client.base}/nodeinfo/2.1")
    assert resp.status_code == 200
    return resp.json()["metadata"]


@pytest.fixture(scope="module")
def alice_followed(group):
    """bob (de, inside) and paula (partner, outside) follow alice (fr)."""
    fr, de, partner = group["fr"], group["de"], group["partner"]
    de.publish("bob", {"type": "Follow", "object": fr.actor("alice")})
    partner.publish("paula", {"type": "Follow", "object": fr.actor("alice")})
    wait_until(lambda: fr.actor("alice") in de.following("bob"), message="alice's Accept to reach bob on de")
    wait_until(lambda: fr.actor("alice") in partner.following("paula"),
               message="alice's Accept to reach paula on partner")
    assert {de.actor("bob"), partner.actor("paula")} <= set(fr.followers("alice"))


def test_nodeinfo_names_the_audiences(group):
    fr, de, partner = group["fr"], group["de"], group["partner"]
    assert audiences(fr) == {"nodeName": "fr", "groupAudience": "urn:archipel:group:test",
                             "nodeAudience": f"{fr.base}/audiences/node"}
    assert audiences(de)["groupAudience"] == "urn:archipel:group:test"
    assert audiences(de)["nodeAudience"] == f"{de.base}/audiences/node"
    # a node without a registry is a group of one
    assert audiences(partner)["groupAudience"] == "urn:archipel:group:partner"


def test_group_post_reaches_member_nodes_only(group, alice_followed):
    fr, de, partner = group["fr"], group["de"], group["partner"]
    content = unique("Group results")
    create = fr.publish("alice", {"type": "Note", "content": content, "to": ["group"]})
    group_audience = audiences(fr)["groupAudience"]
    note = create["object"]
    assert create["to"] == [group_audience] and note["to"] == [group_audience]

    got = wait_until(lambda: find(de.inbox("bob"), create["id"]), message="the group post in bob's inbox")
    assert content in got["object"]["content"]
    fanout_done(fr, create["id"])
    deliveries = list(fr.db.deliveries.find({"activity_id": create["id"]}))
    # One copy for de at its shared inbox (bob and de's instance actor share it); nothing else.
    assert [d["inbox"] for d in deliveries] == [f"{de.base}/inbox"]
    assert fr.db.deliveries.count_documents({"activity_id": create["id"], "host": partner.host}) == 0
    wait_until(lambda: fr.db.deliveries.find_one({"activity_id": create["id"], "state": "delivered"}),
               message="the delivery to de")
    assert find(partner.inbox("paula"), create["id"]) is None

    # Served to the group: berta (de, not a follower) by signed fetch, alain (fr) by token.
    resp = de.proxy_fetch("berta", note["id"])
    assert resp.status_code == 200 and resp.json()["id"] == note["id"]
    resp = fr.http.get(note["id"], headers={**AP, **fr.auth("alain")})
    assert resp.status_code == 200 and resp.json()["id"] == note["id"]
    # Never to anything outside: paula (a follower of alice!) and anonymous get a plain 404.
    resp = partner.proxy_fetch("paula", note["id"])
    assert resp.status_code == 404
    for url in (note["id"], create["id"]):
        resp = fr.http.get(url, headers=AP)
        assert resp.status_code == 404 and content not in resp.text
    assert partner.proxy_fetch("paula", create["id"]).status_code == 404
    # Nor in alice's outbox as outsiders read it.
    outbox = fr.collection_items(f"{fr.actor('alice')}/outbox", headers=AP)
    assert find(outbox, create["id"]) is None


def test_node_post_never_leaves_the_node(group, alice_followed):
    fr, de = group["fr"], group["de"]
    content = unique("Canteen closed on Friday")
    create = fr.publish("alice", {"type": "Note", "content": content, "to": ["node"]})
    node_audience = f"{fr.base}/audiences/node"
    note = create["object"]
    assert create["to"] == [node_audience] and note["to"] == [node_audience]

    fanout_done(fr, create["id"])
    assert fr.db.deliveries.count_documents({"activity_id": create["id"]}) == 0
    resp = fr.http.get(note["id"], headers={**AP, **fr.auth("alain")})
    assert resp.status_code == 200 and resp.json()["id"] == note["id"]
    # bob follows alice, but is on another node (inside the group): not for him.
    assert de.proxy_fetch("bob", note["id"]).status_code == 404
    assert de.proxy_fetch("bob", create["id"]).status_code == 404
    resp = fr.http.get(note["id"], headers=AP)
    assert resp.status_code == 404 and content not in resp.text
    assert find(de.inbox("bob"), create["id"]) is None


def test_node_post_reaches_local_followers_on_a_node_without_registry(group):
    partner, fr = group["partner"], group["fr"]
    partner.publish("pierre", {"type": "Follow", "object": partner.actor("paula")})
    wait_until(lambda: partner.actor("pierre") in partner.followers("paula"), message="pierre to follow paula")
    create = partner.publish("paula", {"type": "Note", "content": unique("Partner-only memo"), "to": ["node"]})
    assert create["to"] == [f"{partner.base}/audiences/node"]
    wait_until(lambda: find(partner.inbox("pierre"), create["id"]), message="the node post in pierre's inbox")
    fanout_done(partner, create["id"])
    assert partner.db.deliveries.count_documents({"activity_id": create["id"]}) == 0
    assert fr.proxy_fetch("alice", create["object"]["id"]).status_code == 404


def test_full_audience_iris_are_accepted(group):
    fr = group["fr"]
    names = audiences(fr)
    for iri in (names["groupAudience"], names["nodeAudience"]):
        create = fr.publish("alain", {"type": "Note", "content": unique("Full IRI"), "to": [iri]})
        assert create["to"] == [iri] and create["object"]["to"] == [iri]


@pytest.mark.parametrize(("to", "why"), [
    (["node", "de:bob"], "a node post naming a remote actor"),
    (["node", PUBLIC], "a node post that is also public"),
    (["node", "group"], "a node post also to the group"),
    (["group", "partner:paula"], "a group post naming an actor outside the group"),
    (["group"], "a group post with an outside actor in cc"),
])
def test_restricted_audiences_refuse_outside_addressees(group, to, why):
    fr = group["fr"]

    def resolve(ref: str) -> str:
        node, _, user = ref.partition(":")
        return group[node].actor(user) if user and node in ("de", "partner") else ref

    post = {"type": "Note", "content": unique("Must not leave"), "to": [resolve(a) for a in to]}
    if why == "a group post with an outside actor in cc":
        post["cc"] = [group["partner"].actor("paula")]
    before = fr.db.local_objects.count_documents({"author": fr.actor("alice")})
    resp = fr.post("alice", post)
    assert resp.status_code == 422, why
    assert resp.json()["error"] == "audience_conflict"
    assert fr.db.local_objects.count_documents({"author": fr.actor("alice")}) == before


@pytest.mark.parametrize(("shorthand", "outsider"), [("group", ("partner", "paula")), ("node", ("de", "bob"))])
def test_naming_followers_too_does_not_open_a_restricted_audience(group, alice_followed, shorthand, outsider):
    """alice's followers include people beyond the audience: they still get nothing."""
    fr = group["fr"]
    node, user = outsider
    create = fr.publish("alice", {"type": "Note", "content": unique("Followers and a ceiling"),
                                  "to": [shorthand], "cc": [f"{fr.actor('alice')}/followers"]})
    fanout_done(fr, create["id"])
    assert fr.db.deliveries.count_documents({"activity_id": create["id"], "host": group[node].host}) == 0
    assert group[node].proxy_fetch(user, create["object"]["id"]).status_code == 404
    resp = fr.http.get(create["object"]["id"], headers={**AP, **fr.auth("alain")})
    assert resp.status_code == 200
