"""Partners: outside actors invited into one community that admits them see and receive
that community's activity, and nothing else of the group; their membership expires
unless a manager renews it."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.community_support import inbox_object, join, membership_state, post_to, unique
from tests.plugin import find, wait_until

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def manage(fr, community, action, actor, **extra):
    return fr.api("POST", f"/communities/{community['slug']}/members", "alice",
                  json={"action": action, "actor": actor, **extra})


@pytest.fixture(scope="module")
def partner_space(group):
    """alice's closed, hidden community that admits partners; bob (de) and paula (partner) in it."""
    fr, de, partner = group["fr"], group["de"], group["partner"]
    space = fr.create_community("alice", name="Supplier quality", slug=unique("supplier"), openness="closed",
                                visibility="members", admits_partners=True)
    for node, user in ((de, "bob"), (partner, "paula")):
        invited = manage(fr, space, "invite", node.actor(user))
        assert invited.status_code == 200, invited.text
        wait_until(lambda node=node, user=user: next((i for i in node.inbox(user) if i["type"] == "Invite"
                                                      and i["actor"] == space["id"]), None),
                   message=f"the Invite in {user}'s inbox")
        join(node, user, space)
        wait_until(lambda node=node, user=user: membership_state(fr, space["slug"], node.actor(user)) == "member",
                   message=f"{user} to join")
    assert manage(fr, space, "invite", partner.actor("pierre")).json()["partner"] is True
    return space


def test_partners_need_an_invitation_only_community(group):
    fr, partner = group["fr"], group["partner"]
    refused = fr.api("POST", "/communities", "alice", json={"name": "Open to all", "openness": "free",
                                                            "admits_partners": True})
    assert refused.status_code == 422 and refused.json()["error"] == "partners_need_invitation"
    internal = fr.create_community("alice", name="Internal only", slug=unique("internal"), openness="closed")
    no = manage(fr, internal, "invite", partner.actor("paula"))
    assert no.status_code == 422 and no.json()["error"] == "no_partners"


def test_a_partner_takes_part_in_the_community_that_invited_them(group, partner_space):
    fr, de, partner = group["fr"], group["de"], group["partner"]
    paula = partner.actor("paula")
    entry = fr.db.memberships.find_one({"community": partner_space["slug"], "actor": paula})
    assert entry["partner"] is True and entry["expires_at"] is not None
    create = post_to(de, "bob", partner_space, "Batch 42 failed the torque test")
    # Outside the group, the partner node does not take the Group's relay at its word: it
    # fetches the post again from de, signed, and de fetches the partner's key. A step that
    # fails under load is retried after 10 s, then 20 s (the inbox worker's backoff), so the
    # wait allows two retries; a fresh-clone CI run once took longer than 30 s here.
    seen = wait_until(lambda: inbox_object(partner, "paula", create["object"]["id"]), timeout=90,
                      message="bob's post to reach paula on the partner node")
    assert seen["content"] == create["object"]["content"]
    announce = next(i for i in partner.inbox("paula") if i["type"] == "Announce"
                    and i["object"].get("id") == create["id"])
    assert announce["audience"] == partner_space["id"]  # the post carries the community's audience
    # paula answers in the community from her own server: alice and bob see it
    reply = post_to(partner, "paula", partner_space, "We will re-run it", inReplyTo=create["object"]["id"])
    wait_until(lambda: inbox_object(fr, "alice", reply["object"]["id"]), message="paula's reply on fr")
    # her signed fetch of the community works (she is a member)
    assert partner.proxy_fetch("paula", partner_space["id"]).status_code == 200
    # a post to the community that is also for the group only stays in the group
    inside_only = fr.publish("alice", {"type": "Note", "content": "for colleagues only",
                                       "to": [partner_space["id"], "group"]})
    wait_until(lambda: inbox_object(de, "bob", inside_only["object"]["id"]), message="the group-only post at bob's")
    assert inbox_object(partner, "paula", inside_only["object"]["id"]) is None
    announce = fr.db.outbox_activities.find_one({"raw.object.id": inside_only["id"]})
    assert partner.host not in {d["host"] for d in fr.db.deliveries.find({"activity_id": announce["_id"]})}


def test_a_partner_reaches_nothing_else_of_the_group(group, partner_space):
    fr, partner = group["fr"], group["partner"]
    other = fr.create_community("alice", name="Board room", slug=unique("board"), openness="closed",
                                visibility="members")
    inside_group = fr.create_community("alice", name="All staff", slug=unique("staff"), openness="free")
    follow = partner.publish("paula", {"type": "Follow", "object": fr.actor("alice")})
    wait_until(lambda: fr.actor("alice") in partner.following("paula"), message="paula following alice")
    assert follow["id"]
    posts = {
        "followers": fr.publish("alice", {"type": "Note", "content": "followers-only news"}),
        "group": fr.publish("alice", {"type": "Note", "content": "group news", "to": ["group"]}),
        "community": post_to(fr, "alice", other, "board minutes"),
        "group community": post_to(fr, "alice", inside_group, "staff party"),
    }
    public = fr.publish("alice", {"type": "Note", "content": "public news", "to": [PUBLIC]})
    wait_until(lambda: find(partner.inbox("paula"), public["id"]), message="the public post to reach paula")
    partner_host = partner.host
    for what, create in posts.items():
        sent = [a["_id"] for a in fr.db.outbox_activities.find(
            {"$or": [{"_id": create["id"]}, {"raw.object.id": create["id"]}]})]
        hosts = {d["host"] for d in fr.db.deliveries.find({"activity_id": {"$in": sent}})}
        assert partner_host not in hosts, what
        assert inbox_object(partner, "paula", create["object"]["id"]) is None, what
        # and her signed fetch (through her node, signed as her) answers 404
        assert partner.proxy_fetch("paula", create["object"]["id"]).status_code == 404, what
    for community in (other, inside_group):
        assert partner.proxy_fetch("paula", community["id"]).status_code == 404
    listing = partner.signed_fetch("paula", f"{fr.base}/communities").json()["items"]
    # Her community, and only public ones beside it (other tests may have made some).
    assert partner_space["id"] in [c["id"] for c in listing]
    assert all(c["visibility"] == "public" for c in listing if c["id"] != partner_space["id"]), listing


def test_partner_membership_expires_unless_renewed(group, partner_space):
    fr, de, partner = group["fr"], group["de"], group["partner"]
    slug, pierre, paula = partner_space["slug"], partner.actor("pierre"), partner.actor("paula")
    # pierre's invitation nears its end: the managers are told, a manager renews it
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    fr.db.memberships.update_one({"community": slug, "actor": pierre}, {"$set": {"expires_at": soon}})
    notice = wait_until(lambda: next((i for i in fr.inbox("alice") if i["type"] == "Create"
                                      and i["actor"] == partner_space["id"] and pierre in i["object"]["content"]),
                                     None), message="the expiry notice to alice")
    assert "renew" in notice["object"]["content"]
    renewed = manage(fr, partner_space, "renew", pierre)
    assert renewed.status_code == 200 and renewed.json()["expires_at"] > soon.strftime("%Y-%m-%dT%H:%M:%SZ")
    # paula's membership ends: removed, her server told, nothing more delivered to her
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    fr.db.memberships.update_one({"community": slug, "actor": paula}, {"$set": {"expires_at": past}})
    wait_until(lambda: membership_state(fr, slug, paula) is None, message="paula's membership to end")
    wait_until(lambda: partner.db.follows.find_one({"follower": paula, "followee": partner_space["id"]}) is None,
               message="the Group's Reject to reach the partner node")
    create = post_to(de, "bob", partner_space, "after the expiry")
    announce = wait_until(lambda: fr.db.outbox_activities.find_one({"raw.object.id": create["id"]}),
                          message="the Group's Announce")
    wait_until(lambda: fr.db.outbox_activities.find_one({"_id": announce["_id"], "fanout": "done"}),
               message="the Announce's fan-out")
    hosts = {d["host"] for d in fr.db.deliveries.find({"activity_id": announce["_id"]})}
    assert partner.host not in hosts  # (bob, the author, is the only other member: no delivery at all)
    assert partner.proxy_fetch("paula", partner_space["id"]).status_code == 404
