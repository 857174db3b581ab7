"""The group's stream end to end (issue 11): a post to the group or the public written on
any member node is delivered once to every other member node — one delivery per node, at
its shared inbox, even where a follower is — and shows in the group stream
(``/api/v1/timelines/public``) there, so someone who follows nobody sees the group speak;
its deletion follows it there; a ``node`` post never leaves its node; a public post pushed
from outside the group does not join the group's stream.

Three member nodes: the session's fr (split) and de (compact), and ``it`` (compact),
added to the group's registry for this module (member nodes re-read the registry when it
changes, fedkit/rules/registry.py) and removed from it at the end."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import requests

from deploy.processes import Node, NodeSpec, load_or_create_secrets
from deploy.supervision import free_port
from fedkit.protocol import httpsig
from fedkit.protocol.vocab import AP_CONTENT_TYPE, PUBLIC
from fedkit.rules.registry import write_registry
from tests.plugin import TEST_NODE_ENV, NodeClient, wait_until


@pytest.fixture(scope="module")
def it(group):
    """``it``, a third member node (ida, ivo), in the group's registry while this module runs."""
    registry = Path(group.nodes["fr"].env["ARCHIPEL_GROUP_REGISTRY"])
    original = registry.read_text(encoding="utf-8")
    data = json.loads(original)
    secrets_ = load_or_create_secrets(group.infra.data_dir / "secrets.json")
    spec = NodeSpec("it", free_port(), ("ida", "ivo"))
    node = Node(spec, group.infra, secrets_, {**TEST_NODE_ENV, "ARCHIPEL_GROUP_REGISTRY": str(registry)}, 1,
                layout="compact")
    write_registry(registry, data["name"], [(n["name"], n["base_url"]) for n in data["nodes"]]
                   + [("it", spec.base_url)], identity_provider=data.get("identity_provider"))
    try:
        node.start()
        # A new node's first requests load its code (~10 s on a loaded machine): longer than fr
        # waits for an actor (ARCHIPEL_KEY_FETCH_TIMEOUT), and a post's fan-out would skip it.
        for _ in range(4):
            requests.get(f"{spec.base_url}/actor", headers={"Accept": AP_CONTENT_TYPE}, timeout=60)
        yield NodeClient(node, group.mongo, secrets_["demo_password"])
    finally:
        node.stop()
        registry.write_text(original, encoding="utf-8")


@pytest.fixture
def bob_follows_alice(group):
    """bob@de follows alice@fr for the test, and no longer after it unless he did before."""
    fr, de = group["fr"], group["de"]
    if de.actor("bob") in fr.followers("alice"):
        yield
        return
    follow = de.publish("bob", {"type": "Follow", "object": fr.actor("alice")})
    wait_until(lambda: de.actor("bob") in fr.followers("alice"), message="alice's Accept")
    wait_until(lambda: de.db.follows.find_one({"follower": de.actor("bob"), "followee": fr.actor("alice"),
                                               "state": "accepted"}), message="the Accept on de")
    yield
    de.publish("bob", {"type": "Undo", "object": follow["id"]})
    wait_until(lambda: de.actor("bob") not in fr.followers("alice"), message="bob's unfollow on fr")


def post(client: NodeClient, username: str, text: str, visibility: str) -> dict:
    resp = client.api("POST", "/api/v1/statuses", username, data={"status": text, "visibility": visibility})
    assert resp.status_code == 200, resp.text
    return resp.json()


def group_stream(client: NodeClient, username: str) -> set[str]:
    resp = client.api("GET", "/api/v1/timelines/public", username, params={"limit": 40})
    assert resp.status_code == 200, resp.text
    return {s["uri"] for s in resp.json()}


def create_of(client: NodeClient, object_id: str) -> str:
    return client.db.outbox_activities.find_one({"activity_type": "Create", "object_id": object_id})["_id"]


def deliveries(client: NodeClient, activity_id: str) -> list[str]:
    return sorted(d["inbox"] for d in client.db.deliveries.find({"activity_id": activity_id}))


def test_a_group_post_reaches_every_member_nodes_stream_once(group, it, bob_follows_alice):
    fr, de = group["fr"], group["de"]  # bob follows alice: de still gets one delivery
    assert fr.actor("alice") not in de.following("berta")  # berta follows nobody here
    tag = uuid.uuid4().hex[:8]
    posted = {v: post(fr, "alice", f"{v} {tag}", v) for v in ("group", "public", "node")}

    for client, reader in ((de, "berta"), (it, "ida")):
        wait_until(lambda c=client, r=reader: {posted["group"]["uri"], posted["public"]["uri"]} <= group_stream(c, r),
                   message=f"alice's posts in {reader}'s group stream")
    # One delivery per other member node, at its shared inbox (bob's follow shares de's).
    shared = sorted([f"{de.base}/inbox", f"{it.base}/inbox"])
    assert deliveries(fr, create_of(fr, posted["group"]["uri"])) == shared  # and nothing outside the group
    members = [i for i in deliveries(fr, create_of(fr, posted["public"]["uri"])) if i.startswith((de.base, it.base))]
    assert members == shared  # (a public post also goes to followers outside, if any)
    # The node post never left fr: no delivery, and neither member node heard of it.
    assert deliveries(fr, create_of(fr, posted["node"]["uri"])) == []
    for client in (de, it):
        assert client.db.received_objects.find_one({"_id": posted["node"]["uri"]}) is None
        assert posted["node"]["uri"] not in group_stream(client, "berta" if client is de else "ida")

    # Deleted on fr: gone from every member node's stream, through one delivery to each.
    resp = fr.api("DELETE", f"/api/v1/statuses/{posted['group']['id']}", "alice")
    assert resp.status_code == 200, resp.text
    for client, reader in ((de, "berta"), (it, "ida")):
        wait_until(lambda c=client, r=reader: posted["group"]["uri"] not in group_stream(c, r),
                   message=f"the deletion in {reader}'s group stream")
    delete = fr.db.outbox_activities.find_one({"activity_type": "Delete", "object_id": posted["group"]["uri"]})
    assert deliveries(fr, delete["_id"]) == shared


def test_a_post_from_another_member_node_reaches_fr_and_it(group, it):
    """The other way: ida@it posts to the group; amelie@fr and berta@de see it."""
    fr, de = group["fr"], group["de"]
    status = post(it, "ida", f"ciao {uuid.uuid4().hex[:8]}", "group")
    for client, reader in ((fr, "amelie"), (de, "berta")):
        wait_until(lambda c=client, r=reader: status["uri"] in group_stream(c, r),
                   message=f"ida's post in {reader}'s group stream")
    assert deliveries(it, create_of(it, status["uri"])) == sorted([f"{fr.base}/inbox", f"{de.base}/inbox"])


def test_a_public_post_pushed_from_outside_the_group_is_not_in_its_stream(group):
    """paula@partner's server delivers her public post to de's shared inbox though nobody
    there asked for it: de takes it in, and its group stream does not show it."""
    partner, de = group["partner"], group["de"]
    paula = partner.actor("paula")
    note_id = f"{partner.base}/objects/{uuid.uuid4().hex}"
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity", "type": "Create",
                "actor": paula, "to": [PUBLIC],
                "object": {"id": note_id, "type": "Note", "attributedTo": paula, "to": [PUBLIC],
                           "content": "<p>buy our widgets</p>"}}
    body = json.dumps(activity).encode()
    key = partner.db.actor_keys.find_one({"_id": paula})
    headers = {"Content-Type": AP_CONTENT_TYPE}
    headers.update(httpsig.sign_request("POST", f"{de.base}/inbox", key_id=key["key_id"],
                                        private_key_pem=key["private_pem"], body=body))
    assert requests.post(f"{de.base}/inbox", data=body, headers=headers, timeout=30).status_code == 202
    wait_until(lambda: (de.db.inbound_activities.find_one({"_id": activity["id"]}) or {}).get("state")
               in ("processed", "ignored"), message="de to apply paula's post")
    assert note_id not in group_stream(de, "berta")
