"""Dynamic communities across the demo group, every process real: alice@fr's announcement
channel "Finance everywhere" takes in whoever the group directory puts in department
Finance and lets them go when it moves them out — bob@de through fr's reconciliation with
every member node's people directory (ARCHIPEL_DYNAMIC_COMMUNITY_INTERVAL, 2 s in the tests),
alain@fr at once through fr's own SCIM; only its moderators post: the owner's post reaches
bob's inbox on de, a member's is refused (403 from the client API of his own node, fr or de;
a post sent anyway over ActivityPub is taken in by nobody)."""

from __future__ import annotations

import pytest

from tests.e2e.community_support import inbox_object, processed_on, unique
from tests.e2e.test_directory_profiles import ENTERPRISE, _directory
from tests.plugin import wait_until

DEPARTMENT = f"{ENTERPRISE}:department"


def rule_membership(fr, slug: str, actor: str) -> dict | None:
    return fr.db.memberships.find_one({"community": slug, "actor": actor, "state": "member", "source": "rule"})


def follows_group(node, actor: str, community: dict) -> bool:
    return node.db.follows.find_one({"follower": actor, "followee": community["id"], "state": "accepted"}) \
        is not None


@pytest.fixture
def channel(group):
    """"Finance everywhere" on fr (rule department=Finance, only moderators post); the
    directory's departments of bob@de and alain@fr and the channel undone after."""
    fr, de = group["fr"], group["de"]
    community = fr.create_community("alice", name="Finance everywhere", slug=unique("finance"),
                                    openness="closed", visibility="group", posting="moderators",
                                    membership_rule={"department": "Finance"})
    yield community
    _directory(de, "bob", ("remove", DEPARTMENT, None))
    _directory(fr, "alain", ("remove", DEPARTMENT, None))
    fr.api("POST", f"/communities/{community['slug']}/archive", "alice")


def test_the_directory_moves_bob_of_de_in_and_out_of_finance_everywhere(group, channel):
    fr, de = group["fr"], group["de"]
    slug, bob = channel["slug"], de.actor("bob")
    assert channel["membership_rule"] == {"department": "Finance"} and rule_membership(fr, slug, bob) is None

    _directory(de, "bob", ("replace", DEPARTMENT, "Finance"))
    wait_until(lambda: rule_membership(fr, slug, bob), message="fr's reconciliation to take bob@de in")
    wait_until(lambda: follows_group(de, bob, channel), message="de to list bob's membership (the Group's Accept)")

    post = fr.publish("alice", {"type": "Note", "content": "Budget 2027 is out", "to": [channel["id"]]})
    note = post["object"]["id"] if isinstance(post.get("object"), dict) else post["object"]
    wait_until(lambda: inbox_object(de, "bob", note), message="the owner's announcement in bob's inbox on de")

    # a member's post from his own node's client API: 403, his node read the Group's
    # postingRestrictedToMods and its moderators collection (as bob)
    resp = de.api("POST", "/api/v1/statuses", "bob", json={"status": f"@{slug}@{fr.host} May I ask?",
                                                            "visibility": "public"})
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"] == "Only the moderators of the community Finance everywhere may post to it"
    # posted anyway, as any ActivityPub server may: the Group takes nothing in and relays nothing
    create = de.publish("bob", {"type": "Note", "content": "May I ask?", "to": [channel["id"]]})
    wait_until(lambda: processed_on(fr, create["id"]), message="fr to handle bob's post")
    bobs_note = create["object"]["id"] if isinstance(create.get("object"), dict) else create["object"]
    assert fr.db.community_posts.find_one({"_id": bobs_note}) is None

    _directory(de, "bob", ("replace", DEPARTMENT, "Sales"))
    wait_until(lambda: fr.db.memberships.find_one({"community": slug, "actor": bob}) is None,
               message="fr's reconciliation to let bob go")
    wait_until(lambda: not follows_group(de, bob, channel), message="de to drop bob's membership (the Reject)")


def test_fr_scim_puts_alain_in_at_once_and_his_post_is_refused_with_403(group, channel):
    fr = group["fr"]
    slug, alain = channel["slug"], fr.actor("alain")
    _directory(fr, "alain", ("replace", DEPARTMENT, "finance"))
    # identity told communities during the SCIM request: no reconciliation needed
    assert rule_membership(fr, slug, alain) is not None
    wait_until(lambda: follows_group(fr, alain, channel), message="alain to follow the channel")

    resp = fr.api("POST", "/api/v1/statuses", "alain", json={"status": f"@{slug} a question", "visibility": "public"})
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"] == "Only the moderators of the community Finance everywhere may post to it"

    _directory(fr, "alain", ("remove", DEPARTMENT, None))
    assert fr.db.memberships.find_one({"community": slug, "actor": alain}) is None
