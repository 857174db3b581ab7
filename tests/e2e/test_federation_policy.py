"""Federation policy per domain (ARCHIPEL_FEDERATION_POLICY) between real nodes: a blocked
domain's signed deliveries are refused and nothing goes to it or is fetched from it; an
allowlist refuses outsiders it does not name; a media_removal domain's posts arrive
without their attachments.

A node of its own, ``guard`` (gina), runs with a policy file that each test rewrites (every
process re-reads it when it changes). All nodes are on 127.0.0.1, so they are named by
``host:port``: a bare "127.0.0.1" would name every one of them.
"""

from __future__ import annotations

import json
import os
import uuid

import pytest

from tests.e2e.extra_node import extra_node
from tests.plugin import find, wait_until

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ATTACHMENT = [{"type": "Document", "mediaType": "image/png", "url": "https://media.example/a.png",
               "name": "a drawing"}]


@pytest.fixture(scope="module")
def guard(group, tmp_path_factory):
    policy_file = tmp_path_factory.mktemp("policy") / "federation-policy.json"
    policy_file.write_text("{}", encoding="utf-8")
    with extra_node(group, "guard", ("gina",), {"ARCHIPEL_FEDERATION_POLICY": str(policy_file)}) as node:
        node.policy_file = policy_file
        # With the open policy, everyone reaches gina; each sender's node now knows her actor
        # (so a later refusal is the guard's gateway refusing a delivery, not a failed fetch).
        for sender, user in ((group["partner"], "paula"), (group["de"], "bob"), (group["fr"], "alice")):
            create = note(sender, user, node, "gina", "hello before any policy")
            wait_until(lambda c=create: find(node.inbox("gina"), c["id"]), message=f"{user}'s note to reach gina")
        yield node


def set_policy(node, policy: dict) -> None:
    """Rewrite the policy file; a later mtime than before, so every process re-reads it."""
    path = node.policy_file
    before = os.stat(path).st_mtime
    path.write_text(json.dumps(policy), encoding="utf-8")
    os.utime(path, (before + 1, before + 1))


def note(sender, user: str, receiver, recipient: str, text: str, **extra) -> dict:
    return sender.publish(user, {"type": "Note", "content": f"{text} {uuid.uuid4().hex[:6]}",
                                 "to": [receiver.actor(recipient), PUBLIC], **extra})


def final_delivery(node, activity_id: str, inbox_prefix: str) -> dict:
    return wait_until(lambda: node.db.deliveries.find_one({"activity_id": activity_id,
                                                           "inbox": {"$regex": f"^{inbox_prefix}"},
                                                           "state": {"$in": ["delivered", "failed"]}}),
                      message=f"the delivery of {activity_id} to {inbox_prefix} to end")


def fanned_out(node, activity_id: str) -> None:
    wait_until(lambda: (node.db.outbox_activities.find_one({"_id": activity_id}) or {}).get("fanout") == "done",
               message="the fan-out")
    wait_until(lambda: not node.db.deliveries.find_one({"activity_id": activity_id,
                                                        "state": {"$in": ["queued", "retrying"]}}),
               message="every delivery to end")


def test_a_blocked_domain_is_refused_both_ways(group, guard):
    partner, fr = group["partner"], group["fr"]
    set_policy(guard, {"blocks": [{"domain": partner.host, "reason": "test"}]})
    # paula's server delivers a signed Create: the guard's gateway refuses it with 403.
    create = note(partner, "paula", guard, "gina", "after the block")
    delivery = final_delivery(partner, create["id"], guard.base)
    assert delivery["state"] == "failed" and delivery["last_status"] == 403
    assert not find(guard.inbox("gina"), create["id"])
    # A signed fetch from the blocked domain is refused too (GoToSocial's 403), an unsigned
    # one is any anonymous reader's.
    signed = partner.proxy_fetch("paula", guard.actor("gina"))
    assert signed.status_code == 403, signed.text
    assert guard.api("GET", "/users/gina", headers={"Accept": "application/activity+json"}).status_code == 200
    # Nothing goes from the guard to the blocked domain: no delivery, nothing in paula's inbox.
    sent = note(guard, "gina", partner, "paula", "to a blocked domain")
    fanned_out(guard, sent["id"])
    assert not guard.db.deliveries.find_one({"activity_id": sent["id"], "state": "delivered"})
    assert not find(partner.inbox("paula"), sent["id"])
    # ... and nothing is fetched from it, not even for a local user.
    fetched = guard.proxy_fetch("gina", partner.actor("paula"))
    assert fetched.status_code == 400 and "federation policy" in fetched.json()["error_description"]
    # Another domain is unaffected: alice on fr still reaches gina.
    other = note(fr, "alice", guard, "gina", "from a domain that is not blocked")
    wait_until(lambda: find(guard.inbox("gina"), other["id"]), message="alice's note to reach gina")


def test_allowlist_mode_refuses_an_outsider_it_does_not_name(group, guard):
    fr, de = group["fr"], group["de"]
    set_policy(guard, {"mode": "allowlist", "partners": [fr.host]})
    refused = note(de, "bob", guard, "gina", "from a server the allowlist does not name")
    delivery = final_delivery(de, refused["id"], guard.base)
    assert delivery["state"] == "failed" and delivery["last_status"] == 403
    allowed = note(fr, "alice", guard, "gina", "from a named partner")
    wait_until(lambda: find(guard.inbox("gina"), allowed["id"]), message="alice's note to reach gina")
    assert not find(guard.inbox("gina"), refused["id"])


def test_media_removal_strips_the_attachments_of_a_domain(group, guard):
    partner, fr = group["partner"], group["fr"]
    set_policy(guard, {"media_removal": [partner.host]})
    stripped = note(partner, "paula", guard, "gina", "with a picture", attachment=ATTACHMENT)
    kept = note(fr, "alice", guard, "gina", "with a picture too", attachment=ATTACHMENT)
    for create in (stripped, kept):
        wait_until(lambda c=create: find(guard.inbox("gina"), c["id"]), message="the note to reach gina")
    inbox = guard.inbox("gina")
    paula_note = find(inbox, stripped["id"])["object"]
    assert "with a picture" in paula_note["content"] and "attachment" not in paula_note
    assert find(inbox, kept["id"])["object"]["attachment"] == ATTACHMENT
