"""The expert finder across the demo group, every process real: bob@de declares the skill
"welding" through the profile API; alice@fr asks who knows about welding — through
Archipel's endpoint and through a real Mastodon client's v2 search — and finds bob first,
with the skill as evidence; paula@partner, outside the group, finds nobody inside it; a
post berta@de writes in a hidden community is evidence for a member of it on fr and never
for alice, on the same node, who may not read it."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.community_support import join_and_wait, post_to, unique
from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import wait_until

SKILL = {"kind": "skill", "part": "skills", "text": "welding"}


@pytest.fixture(scope="module")
def bob_welds(group):
    """bob@de declares the skill "welding" (PATCH /api/archipel/profile, as his apps do); his
    declared skills are put back after."""
    de = group["de"]
    before = de.api("GET", "/api/archipel/profile", "bob").json()["declared"]["skills"]
    changed = de.api("PATCH", "/api/archipel/profile", "bob", json={"skills": ["welding", *before][:20]})
    assert changed.status_code == 200, changed.text
    yield
    de.api("PATCH", "/api/archipel/profile", "bob", json={"skills": before})


def experts(node, username: str, q: str) -> list[dict]:
    resp = node.api("GET", "/api/archipel/experts", username, params={"q": q})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_alice_finds_bob_first_with_his_skill_through_both_apis(group, bob_welds):
    fr, de = group["fr"], group["de"]
    found = experts(fr, "alice", "welding")
    assert found and found[0]["account"]["acct"] == f"bob@{de.host}", found
    assert SKILL in found[0]["evidence"] and found[0]["score"] >= 100
    scores = [e["score"] for e in found]
    assert scores == sorted(scores, reverse=True)

    alice = password_app(fr, "alice")  # Mastodon.py: the accounts of a v2 search, evidence alongside
    accounts = alice.search_v2("welding", resolve=False, result_type="accounts")["accounts"]
    assert accounts[0]["acct"] == f"bob@{de.host}"
    assert SKILL in accounts[0]["archipel_evidence"]
    untyped = alice.search_v2("welding", resolve=False)
    assert untyped["accounts"][0]["acct"] == f"bob@{de.host}"
    assert fr.api("GET", "/api/archipel/experts", params={"q": "welding"}).status_code == 401


def test_paula_outside_the_group_finds_nobody_inside_it(group, bob_welds):
    fr, de, partner = group["fr"], group["de"], group["partner"]
    inside = (fr.base, de.base)
    found = experts(partner, "paula", "welding")
    assert [e["account"]["url"] for e in found if e["account"]["url"].startswith(inside)] == []
    paula = password_app(partner, "paula")
    accounts = paula.search_v2("welding", resolve=False, result_type="accounts")["accounts"]
    assert [a["url"] for a in accounts if a["url"].startswith(inside)] == []
    # asked directly with her signature, de matches nothing she may not see
    direct = partner.signed_fetch("paula", f"{de.base}/directory/experts?q=welding")
    assert direct.status_code == 200 and direct.json()["items"] == [], direct.text


def test_a_hidden_communitys_post_is_evidence_for_its_members_alone(group, bob_welds):
    fr, de = group["fr"], group["de"]
    word = "kw" + uuid.uuid4().hex[:8]
    cell = de.create_community("berta", name=f"Cell {word}", slug=unique("cell"), openness="closed",
                               visibility="members")
    invited = de.api("POST", f"/communities/{cell['slug']}/members", "berta",
                     json={"action": "invite", "actor": fr.actor("amelie")})
    assert invited.status_code == 200, invited.text
    join_and_wait(de, fr, "amelie", cell)  # so the post reaches fr, where alice may not read it
    post_to(de, "berta", cell, f"Welding {word}: the confidential trials")

    def posts_shown(username: str) -> list[str]:
        return [ev["text"] for e in experts(fr, username, f"welding {word}") for ev in e["evidence"]
                if ev["kind"] == "post" and word in ev["text"]]

    wait_until(lambda: posts_shown("amelie"), message="berta's post as evidence for amelie, a member")
    assert posts_shown("alice") == []
    berta = next(e for e in experts(fr, "amelie", f"welding {word}") if e["account"]["url"] == de.actor("berta"))
    assert berta["evidence"][-1]["text"].startswith(f"Welding {word}")
    assert de.actor("berta") not in [e["account"]["url"] for e in experts(fr, "alice", f"welding {word}")]
    # bob's skill is found all the same: every word of "welding" is in the query
    assert experts(fr, "alice", f"welding {word}")[0]["account"]["url"] == de.actor("bob")
