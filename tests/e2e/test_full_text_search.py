"""Full-text search through real Mastodon clients (Mastodon.py) across two nodes (fr split,
de compact: the search service and its indexer in either layout): a direct message, a
hidden community's post and a deleted post never come back to someone who may not see
them; an edit is found by its new words and not its old ones; words are found whatever
their accents; people and communities by their words."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.community_support import join_and_wait, post_to, unique
from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def people(group):
    fr, de = group["fr"], group["de"]
    return {"alice": password_app(fr, "alice"), "amelie": password_app(fr, "amelie"),
            "bob": password_app(de, "bob"), "berta": password_app(de, "berta")}


@pytest.fixture(scope="module")
def bob_known_on_fr(group, people):
    """bob@de follows alice@fr (so her posts reach de), and fr knows bob (for mentions)."""
    fr, de = group["fr"], group["de"]
    de.publish("bob", {"type": "Follow", "object": fr.actor("alice")})
    wait_until(lambda: de.actor("bob") in fr.followers("alice"), message="alice's Accept of bob")
    return people["alice"].search_v2(f"bob@{de.host}", resolve=True, result_type="accounts")["accounts"][0]


def found(app, q: str) -> list[str]:
    return [s["uri"] for s in app.search_v2(q, resolve=False, result_type="statuses")["statuses"]]


def test_a_direct_message_is_found_by_its_addressee_alone(group, people, bob_known_on_fr):
    alice, amelie, bob, berta = people["alice"], people["amelie"], people["bob"], people["berta"]
    word = "kw" + uuid.uuid4().hex[:8]
    direct = alice.status_post(f"@{bob_known_on_fr['acct']} Prüfbericht {word}", visibility="direct")
    public = alice.status_post(f"Prüfbericht {word} for everyone", visibility="public")
    wait_until(lambda: set(found(bob, word)) == {direct["uri"], public["uri"]}, message="both posts on de for bob")
    assert set(found(alice, f"prufbericht {word}")) == {direct["uri"], public["uri"]}  # ü folded
    wait_until(lambda: found(berta, word) == [public["uri"]], message="the public post on de for berta")
    assert found(amelie, word) == [public["uri"]]


def test_an_edit_is_found_by_its_new_words_and_a_deleted_post_by_nobody(group, people, bob_known_on_fr):
    alice, bob = people["alice"], people["bob"]
    old, new = "old" + uuid.uuid4().hex[:8], "new" + uuid.uuid4().hex[:8]
    status = alice.status_post(f"Kick-off {old}", visibility="public")
    wait_until(lambda: found(bob, old) == [status["uri"]], message="the post searchable on de")
    alice.status_update(status["id"], f"Kick-off {new}")
    wait_until(lambda: found(bob, new) == [status["uri"]], message="the edit searchable on de")
    assert found(bob, old) == [] and found(alice, old) == []
    assert found(alice, new) == [status["uri"]]
    alice.status_delete(status["id"])
    wait_until(lambda: found(bob, new) == [], message="the deletion on de")
    wait_until(lambda: found(alice, new) == [], message="the deletion on fr")


def test_a_hidden_communitys_post_and_name_are_found_by_its_members_alone(group, people):
    fr, de = group["fr"], group["de"]
    word = "kw" + uuid.uuid4().hex[:8]
    board = fr.create_community("alice", name=f"Board {word}", slug=unique("board"), openness="closed",
                                visibility="members")
    fr.api("POST", f"/communities/{board['slug']}/members", "alice",
           json={"action": "invite", "actor": de.actor("bob")})
    join_and_wait(fr, de, "bob", board)
    secret = post_to(de, "bob", board, f"Strategic {word} plan")["object"]["id"]
    wait_until(lambda: found(people["alice"], word) == [secret], message="the post found by alice, a member")
    wait_until(lambda: found(people["bob"], word) == [secret], message="the post found by bob, a member")
    assert found(people["berta"], word) == [] and found(people["amelie"], word) == []

    def listed(node, username):
        return [c["id"] for c in node.api("GET", "/communities", username, params={"q": word}).json()["items"]]

    assert listed(fr, "alice") == [board["id"]]
    assert listed(fr, "amelie") == []  # its very name is hidden


def test_people_are_found_by_the_beginning_of_their_name(group, people):
    assert "alice" in [a["acct"] for a in people["amelie"].account_search("alic")]
