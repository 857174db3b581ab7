"""Communities end to end (FEP-1b12 Group actors), on real nodes: fr and de in the
group, partner outside it.

Joining by openness (free, open, closed + Invite), posting through the Group to
members on every node, moderation (removal, ban), the directory, dormancy.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.community_support import (
    inbox_object,
    join,
    join_and_wait,
    members,
    membership_state,
    post_to,
    processed_on,
    unique,
)
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def free_community(group):
    """alice's free, group-visible community on fr; bob and berta (de) and alain (fr) join."""
    fr, de = group["fr"], group["de"]
    community = fr.create_community("alice", name="Welding experts", slug=unique("welding"),
                                    description="Everything about welding", tags=["welding", "industry"],
                                    purpose="professional", openness="free", visibility="group")
    for node, user in ((de, "bob"), (de, "berta"), (fr, "alain")):
        join_and_wait(fr, node, user, community)
    return community


def test_community_is_created_as_a_group_actor(group, free_community):
    fr = group["fr"]
    assert free_community["role"] == "owner" and free_community["membership"] == "member"
    actor = fr.api("GET", f"/communities/{free_community['slug']}", "alain",
                   headers={"Accept": "application/activity+json"})
    assert actor.status_code == 200
    doc = actor.json()
    assert doc["type"] == "Group" and doc["id"] == free_community["id"]
    assert doc["inbox"] == f"{free_community['id']}/inbox" and doc["followers"] == f"{free_community['id']}/followers"
    assert doc["publicKey"]["owner"] == free_community["id"]
    assert doc["openness"] == "free" and doc["visibility"] == "group" and doc["manuallyApprovesFollowers"] is False
    assert {t["name"] for t in doc["tag"]} == {"#welding", "#industry"}


def test_members_on_both_nodes_see_a_post_through_their_own_nodes(group, free_community):
    fr, de = group["fr"], group["de"]
    assert set(members(fr, free_community["slug"], "alice")) == {
        fr.actor("alice"), fr.actor("alain"), de.actor("bob"), de.actor("berta")}
    create = post_to(de, "bob", free_community, "Which filler rod for 316L?")
    note_id = create["object"]["id"]
    for node, user in ((fr, "alice"), (fr, "alain"), (de, "berta")):
        seen = wait_until(lambda node=node, user=user: inbox_object(node, user, note_id),
                          message=f"bob's post in {user}'s inbox")
        assert seen["content"] == create["object"]["content"]
        assert seen["attributedTo"] == de.actor("bob")
    # the Group announced it: the inbox item is the Group's Announce of bob's Create
    announce = next(i for i in fr.inbox("alain") if isinstance(i.get("object"), dict)
                    and i["object"].get("id") == create["id"])
    assert announce["type"] == "Announce" and announce["actor"] == free_community["id"]
    # the community lists it; a reply threads under it
    reply = post_to(fr, "alice", free_community, "ER316LSi, dry", inReplyTo=note_id)
    wait_until(lambda: inbox_object(de, "bob", reply["object"]["id"]), message="the reply to reach bob")
    replies = fr.api("GET", f"/communities/{free_community['slug']}/posts", "alain",
                     params={"replies_to": note_id}).json()["orderedItems"]
    assert [r["id"] for r in replies] == [reply["object"]["id"]]
    # the Group's outbox lists what it announced, newest first
    outbox = fr.api("GET", f"/communities/{free_community['slug']}/outbox", "alain").json()["orderedItems"]
    assert [a["object"]["object"]["id"] for a in outbox[:2]] == [reply["object"]["id"], note_id]


def test_a_non_members_post_is_refused_and_distributed_nowhere(group, free_community):
    fr, de = group["fr"], group["de"]
    community = fr.create_community("alice", name="Leavers", slug=unique("leavers"), openness="free")
    join_and_wait(fr, fr, "alain", community)
    create = post_to(de, "bob", community, "I am not a member here")  # bob never joined
    wait_until(lambda: processed_on(fr, create["id"]), message="fr to process bob's post")
    assert fr.db.community_posts.find_one({"_id": create["object"]["id"]}) is None
    control = post_to(fr, "alice", community, "control post")
    wait_until(lambda: inbox_object(fr, "alain", control["object"]["id"]), message="the control post")
    assert inbox_object(fr, "alain", create["object"]["id"]) is None


def test_open_community_join_waits_for_the_manager(group):
    fr, de = group["fr"], group["de"]
    community = fr.create_community("alice", name="Lean office", slug=unique("lean"), openness="open")
    follow = join(de, "bob", community)
    wait_until(lambda: membership_state(fr, community["slug"], de.actor("bob")) == "pending",
               message="bob's request to be pending")
    requests_ = fr.api("GET", f"/communities/{community['slug']}/requests", "alice").json()["items"]
    assert {"actor": de.actor("bob"), "state": "pending"} in requests_
    assert de.actor("bob") not in members(fr, community["slug"], "alice")
    # alain is not a manager: he cannot approve
    denied = fr.api("POST", f"/communities/{community['slug']}/members", "alain",
                    json={"action": "approve", "actor": de.actor("bob")})
    assert denied.status_code in (403, 404)
    approved = fr.api("POST", f"/communities/{community['slug']}/members", "alice",
                      json={"action": "approve", "actor": de.actor("bob")})
    assert approved.status_code == 200 and approved.json()["state"] == "member"
    wait_until(lambda: de.db.follows.find_one({"follow_activity_id": follow["id"], "state": "accepted"}),
               message="the Accept to reach de")


def test_closed_community_rejects_uninvited_and_accepts_invited(group):
    fr, de = group["fr"], group["de"]
    community = fr.create_community("alice", name="Board", slug=unique("board"), openness="closed")
    uninvited = join(de, "berta", community)
    wait_until(lambda: processed_on(fr, uninvited["id"]), message="fr to process berta's Follow")
    assert membership_state(fr, community["slug"], de.actor("berta")) is None
    # the Reject reaches de: berta's pending relation is gone and she is told
    wait_until(lambda: de.db.follows.find_one({"follow_activity_id": uninvited["id"]}) is None,
               message="the Reject to reach de")
    invited = fr.api("POST", f"/communities/{community['slug']}/members", "alice",
                     json={"action": "invite", "actor": de.actor("bob")})
    assert invited.status_code == 200 and invited.json()["state"] == "invited"
    invite = wait_until(lambda: next((i for i in de.inbox("bob") if i["type"] == "Invite"
                                      and i["actor"] == community["id"]), None),
                        message="the Invite in bob's inbox")
    assert invite["actor"] == community["id"] and invite["target"] == de.actor("bob")
    join_and_wait(fr, de, "bob", community)


def test_partner_can_neither_see_nor_join_a_group_community(group, free_community):
    fr, partner = group["fr"], group["partner"]
    assert partner.proxy_fetch("paula", free_community["id"]).status_code == 404
    listing = partner.signed_fetch("paula", f"{fr.base}/communities")
    assert listing.status_code == 200
    assert free_community["id"] not in [c["id"] for c in listing.json()["items"]]
    follow = join(partner, "paula", free_community)
    # partner cannot even resolve the Group's inbox: nothing is delivered
    assert partner.db.deliveries.count_documents({"activity_id": follow["id"]}) == 0
    assert membership_state(fr, free_community["slug"], partner.actor("paula")) is None


def test_moderator_removal_disappears_on_every_node(group, free_community):
    fr, de = group["fr"], group["de"]
    slug = free_community["slug"]
    made = fr.api("POST", f"/communities/{slug}/members", "alice",
                  json={"action": "role", "actor": fr.actor("alain"), "role": "moderator"})
    assert made.status_code == 200 and made.json()["role"] == "moderator"
    create = post_to(de, "bob", free_community, "Buy cheap watches!")
    note_id = create["object"]["id"]
    wait_until(lambda: inbox_object(de, "berta", note_id), message="the spam to reach berta")
    removed = fr.api("POST", f"/communities/{slug}/posts/remove", "alain", json={"object": note_id})
    assert removed.status_code == 200
    def announced_post(node, user):
        """bob's post as the Group's Announce shows it in the user's inbox now."""
        return next((i["object"]["object"] for i in node.inbox(user) if i["type"] == "Announce"
                     and isinstance(i["object"], dict) and i["object"].get("id") == create["id"]), None)

    for node, user in ((de, "berta"), (fr, "alice")):
        wait_until(lambda node=node, user=user: announced_post(node, user)["type"] == "Tombstone",
                   message=f"the removal to reach {user}")
        assert "watches" not in str(node.inbox(user))
    # bob's original on de is gone too, and the community no longer lists it
    original = de.api("GET", note_id.replace(de.base, ""), "bob")
    assert original.status_code == 410
    listed = fr.api("GET", f"/communities/{slug}/posts", "alice").json()["orderedItems"]
    assert note_id not in [p["id"] for p in listed]


def test_a_banned_members_post_goes_nowhere(group, free_community):
    fr, de = group["fr"], group["de"]
    community = fr.create_community("alice", name="Ban test", slug=unique("ban"), openness="free")
    join_and_wait(fr, de, "berta", community)
    join_and_wait(fr, de, "bob", community)
    banned = fr.api("POST", f"/communities/{community['slug']}/members", "alice",
                    json={"action": "ban", "actor": de.actor("berta")})
    assert banned.status_code == 200 and banned.json()["state"] == "banned"
    create = post_to(de, "berta", community, "I am still here")
    wait_until(lambda: processed_on(fr, create["id"]), message="fr to process berta's post")
    assert fr.db.community_posts.find_one({"_id": create["object"]["id"]}) is None
    control = post_to(de, "bob", community, "control after the ban")
    wait_until(lambda: inbox_object(fr, "alice", control["object"]["id"]), message="bob's control post")
    assert inbox_object(fr, "alice", create["object"]["id"]) is None
    # a ban also stops a new Follow
    rejoin = join(de, "berta", community)
    wait_until(lambda: processed_on(fr, rejoin["id"]), message="fr to process berta's Follow")
    assert membership_state(fr, community["slug"], de.actor("berta")) == "banned"


def test_directory_gathers_every_member_node_and_filters(group, free_community):
    fr, de, partner = group["fr"], group["de"], group["partner"]
    tag = unique("tag")
    on_de = de.create_community("bob", name="Choir", slug=unique("choir"), tags=[tag], purpose="social",
                                openness="free", visibility="group")
    hidden = de.create_community("bob", name="Secret merger", slug=unique("merger"), tags=[tag],
                                 visibility="members", openness="closed")
    seen = fr.api("GET", "/communities/directory", "alain", params={"tag": tag})
    assert seen.status_code == 200, seen.text
    assert [c["id"] for c in seen.json()["items"]] == [on_de["id"]]
    assert seen.json()["unreachable"] == []
    professional = fr.api("GET", "/communities/directory", "alain", params={"purpose": "professional"}).json()
    assert free_community["id"] in [c["id"] for c in professional["items"]]
    assert on_de["id"] not in [c["id"] for c in professional["items"]]
    # bob sees his own hidden community in the directory from his node; paula sees nothing of the group
    mine = de.api("GET", "/communities/directory", "bob", params={"tag": tag}).json()["items"]
    assert {c["id"] for c in mine} == {on_de["id"], hidden["id"]}
    theirs = partner.api("GET", "/communities/directory", "paula", params={"tag": tag}).json()["items"]
    assert theirs == []
    # joining from the directory is a plain Follow of the listed id
    join_and_wait(de, fr, "alain", {"id": on_de["id"], "slug": on_de["slug"]})


def test_dormant_community_is_flagged_to_managers_and_listed(group):
    fr = group["fr"]
    community = fr.create_community("alice", name="Quiet corner", slug=unique("quiet"), openness="free")
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=365)
    fr.db.communities.update_one({"_id": community["slug"]}, {"$set": {"last_activity_at": long_ago}})
    notice = wait_until(lambda: next((i for i in fr.inbox("alice") if i["type"] == "Create"
                                      and i["actor"] == community["id"]), None),
                        message="the dormancy notice in alice's inbox")
    assert "dormant" in notice["object"]["content"]
    listed = fr.api("GET", "/communities", "alice", params={"q": "Quiet corner"}).json()["items"]
    assert [c["dormant"] for c in listed if c["id"] == community["id"]] == [True]


def test_managers_change_settings_and_members_nodes_learn_it(group):
    fr, de = group["fr"], group["de"]
    community = fr.create_community("alice", name="Dormant idea box", slug=unique("ideas"), openness="closed")
    fr.api("POST", f"/communities/{community['slug']}/members", "alice",
           json={"action": "invite", "actor": de.actor("bob")})
    join_and_wait(fr, de, "bob", community)
    assert fr.api("PATCH", f"/communities/{community['slug']}", "alain", json={"openness": "free"}).status_code == 403
    bad = fr.api("PATCH", f"/communities/{community['slug']}", "alice", json={"openness": "wide"})
    assert bad.status_code == 422 and bad.json()["error"] == "invalid_value"
    # a node-only community cannot keep bob (de): the manager must remove him first
    narrowed = fr.api("PATCH", f"/communities/{community['slug']}", "alice", json={"visibility": "node"})
    assert narrowed.status_code == 409 and narrowed.json()["error"] == "members_elsewhere"
    changed = fr.api("PATCH", f"/communities/{community['slug']}", "alice",
                     json={"openness": "free", "tags": ["ideas"], "description": "Submit and vote"})
    assert changed.status_code == 200 and changed.json()["openness"] == "free"

    def de_knows():
        cached = de.db.remote_actors.find_one({"_id": community["id"]})
        return cached and '"openness": "free"' in cached["raw_json"]

    wait_until(de_knows, message="de to refetch the updated Group")


def test_owner_transfers_then_archives_and_posts_are_refused(group):
    fr, de = group["fr"], group["de"]
    community = fr.create_community("alice", name="Project Kestrel", slug=unique("kestrel"), openness="free")
    join_and_wait(fr, fr, "alain", community)
    join_and_wait(fr, de, "bob", community)
    slug = community["slug"]
    assert fr.api("POST", f"/communities/{slug}/transfer", "alain",
                  json={"actor": fr.actor("alice")}).status_code == 403
    moved = fr.api("POST", f"/communities/{slug}/transfer", "alice", json={"actor": fr.actor("alain")})
    assert moved.status_code == 200 and moved.json()["owner"] == fr.actor("alain")
    listed = fr.api("GET", "/communities", "alice", params={"q": "Project Kestrel"}).json()["items"]
    assert [(c["role"], c["membership"]) for c in listed] == [("manager", "member")]
    assert fr.api("POST", f"/communities/{slug}/archive", "alice").status_code == 403
    assert fr.api("POST", f"/communities/{slug}/archive", "alain").json() == {"archived": True}
    create = post_to(de, "bob", community, "anyone still here?")
    wait_until(lambda: processed_on(fr, create["id"]), message="fr to process bob's post")
    assert fr.db.community_posts.find_one({"_id": create["object"]["id"]}) is None
    listed = fr.api("GET", "/communities", "alice", params={"q": "Project Kestrel"}).json()["items"]
    assert [c["archived"] for c in listed] == [True]


def test_an_invitation_accepted_with_accept_joins(group):
    fr, de = group["fr"], group["de"]
    community = fr.create_community("alice", name="Hidden taskforce", slug=unique("taskforce"),
                                    openness="closed", visibility="members")
    fr.api("POST", f"/communities/{community['slug']}/members", "alice",
           json={"action": "invite", "actor": de.actor("berta")})
    invite = wait_until(lambda: next((i for i in de.inbox("berta") if i["type"] == "Invite"
                                      and i["actor"] == community["id"]), None), message="the Invite")
    # bob cannot answer berta's invitation
    assert de.post("bob", {"type": "Accept", "object": invite["id"]}).status_code == 422
    accept = de.publish("berta", {"type": "Accept", "object": invite["id"]})
    assert accept["object"]["id"] == invite["id"] and accept["to"] == [community["id"]]
    wait_until(lambda: membership_state(fr, community["slug"], de.actor("berta")) == "member",
               message="berta to become a member")
    wait_until(lambda: de.db.follows.find_one({"follower": de.actor("berta"), "followee": community["id"],
                                               "state": "accepted"}), message="de to record berta's membership")
    create = post_to(fr, "alice", community, "welcome aboard")
    wait_until(lambda: inbox_object(de, "berta", create["object"]["id"]), message="the post to reach berta")
