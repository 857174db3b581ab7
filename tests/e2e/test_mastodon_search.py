"""Search, hashtags, bookmarks, markers and follow requests through a real Mastodon client
library (Mastodon.py) across two nodes: alice@fr resolves a new colleague of de by WebFinger
(``user@host``, or ``user@de`` by the node's short name) and follows them; a followers-only
post is found by its follower on the other node — by text, URL and hashtag — and by nobody
else; bookmarks, read markers and the unread count stay private; a locked account's follow
request waits for its approval."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e.test_mastodon_statuses import password_app
from tests.e2e.test_scim import USER_SCHEMA, scim
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def people(group):
    fr, de = group["fr"], group["de"]
    return {"alice": password_app(fr, "alice"), "amelie": password_app(fr, "amelie"),
            "bob": password_app(de, "bob"), "berta": password_app(de, "berta")}


def _new_colleague(client, display_name: str) -> str:
    """A new account on that node, as the directory provisions it (SCIM)."""
    name = "new" + uuid.uuid4().hex[:8]
    created = scim(client, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": name,
                                              "displayName": display_name})
    assert created.status_code == 201, created.text
    return name


def test_a_colleague_of_another_node_is_found_by_webfinger_and_followed(group, people):
    fr, de = group["fr"], group["de"]
    alice = people["alice"]
    name = _new_colleague(de, "Search Target")
    acct = f"{name}@{de.host}"
    assert alice.search_v2(acct, resolve=False)["accounts"] == []  # fr has never met them
    found = alice.search_v2(acct, resolve=True, result_type="accounts")["accounts"]
    assert [a["acct"] for a in found] == [acct] and found[0]["display_name"] == "Search Target"
    # now known here: by name, by the node's short name, by profile URL — without resolving
    assert acct in [a["acct"] for a in alice.account_search(name[:6])]
    assert [a["acct"] for a in alice.search_v2(f"@{name}@de", resolve=False)["accounts"]] == [acct]
    assert [a["acct"] for a in alice.search_v2(de.actor(name), resolve=False)["accounts"]] == [acct]
    assert [a["acct"] for a in alice.search_v2("alice", resolve=False)["accounts"]][:1] == ["alice"]
    # an address nobody answers for is simply not found
    assert alice.search_v2(f"nobody{uuid.uuid4().hex[:6]}@{de.host}", resolve=True)["accounts"] == []
    relationship = alice.account_follow(found[0]["id"])
    assert relationship["following"] or relationship["requested"]
    wait_until(lambda: alice.account_relationships(found[0]["id"])[0]["following"], message="the Accept")
    assert fr.actor("alice") in de.followers(name)


def test_a_followers_only_post_is_found_by_its_follower_and_by_nobody_else(group, people):
    fr, de = group["fr"], group["de"]
    alice, amelie, bob, berta = people["alice"], people["amelie"], people["bob"], people["berta"]
    de.publish("bob", {"type": "Follow", "object": fr.actor("alice")})
    wait_until(lambda: de.actor("bob") in fr.followers("alice"), message="alice's Accept of bob")
    word, tag = "kw" + uuid.uuid4().hex[:8], "tag" + uuid.uuid4().hex[:8]
    private = alice.status_post(f"Budget {word} #{tag}", visibility="private")
    public = alice.status_post(f"Workshop {word} #{tag}", visibility="public")
    assert [t["name"] for t in private["tags"]] == [tag]

    def found(app, q, kind="statuses"):
        return [s["uri"] if kind == "statuses" else s["name"]
                for s in app.search_v2(q, resolve=False, result_type=kind)[kind]]

    both = {public["uri"], private["uri"]}  # newest first by arrival: two deliveries may arrive in any order
    wait_until(lambda: set(found(bob, word)) == both, message="both posts searchable on de")
    assert found(bob, private["uri"]) == [private["uri"]]
    assert {s["uri"] for s in bob.timeline_hashtag(tag)} == both
    # not a follower, on either node: the followers-only post is hidden by text, URL and tag
    wait_until(lambda: found(berta, word) == [public["uri"]], message="the public post on de")
    for outsider in (berta, amelie):
        assert found(outsider, word) == [public["uri"]]
        assert found(outsider, private["uri"]) == []
        assert [s["uri"] for s in outsider.timeline_hashtag(tag)] == [public["uri"]]
    assert found(alice, f"budget {word}") == [private["uri"]]
    assert found(bob, tag[:8], "hashtags") == [tag]
    assert [s["uri"] for s in amelie.timeline_hashtag(tag, local=True)] == [public["uri"]]


def test_bookmarks_markers_and_the_unread_count_are_ones_own(group, people):
    alice, amelie = people["alice"], people["amelie"]
    post = alice.status_post(f"bookmark me {uuid.uuid4().hex[:8]}", visibility="public")
    assert amelie.status_bookmark(post["id"])["bookmarked"] is True
    assert amelie.status(post["id"])["bookmarked"] is True and alice.status(post["id"])["bookmarked"] is False
    assert [s["id"] for s in amelie.bookmarks()][:1] == [post["id"]]
    assert amelie.status_unbookmark(post["id"])["bookmarked"] is False
    assert post["id"] not in [s["id"] for s in amelie.bookmarks()]

    set_home = amelie.markers_set(["home"], [post["id"]])
    assert set_home["home"]["last_read_id"] == post["id"]
    assert amelie.markers_get(["home"])["home"]["last_read_id"] == post["id"]
    assert "home" not in alice.markers_get(["home"])

    amelie.status_favourite(post["id"])

    def favourite_notified():
        newest = alice.notifications(limit=1)
        return newest and newest[0]["type"] == "favourite" and newest[0]["status"]["id"] == post["id"] and newest[0]

    newest = wait_until(favourite_notified, message="amelie's favourite notified to alice")
    assert alice.notifications_unread_count()["count"] >= 1
    alice.markers_set(["notifications"], [newest["id"]])
    assert alice.notifications_unread_count()["count"] == 0


def test_a_locked_account_approves_follow_requests(group, people):
    fr, de = group["fr"], group["de"]
    alain = password_app(fr, "alain")
    me = alain.account_verify_credentials()
    alain.account_update_credentials(locked=True, note="I approve my followers",
                                     fields=[("Trade", "TIG welding")])
    try:  # other tests of the session's group expect alain unlocked
        assert alain.account_verify_credentials()["locked"] is True
        berta = people["berta"]
        on_de = wait_until(lambda: (found := berta.search_v2(f"alain@{fr.host}", resolve=True)["accounts"])
                           and found[0], message="alain found from de")
        # (de may know alain from an earlier test: as on Mastodon, a known account is not
        # fetched again at each search, so his new fields are checked on his own node.)
        assert alain.account_verify_credentials()["fields"][0]["name"] == "Trade"
        if berta.account_relationships(on_de["id"])[0]["following"]:  # left by another test
            berta.account_unfollow(on_de["id"])
            wait_until(lambda: de.actor("berta") not in fr.followers("alain"), message="berta's unfollow on fr")
        assert berta.account_follow(on_de["id"])["requested"] is True
        wait_until(lambda: [a["acct"] for a in alain.follow_requests()] == [f"berta@{de.host}"],
                   message="berta's request on fr")
        assert alain.follow_request_authorize(alain.follow_requests()[0]["id"])["followed_by"] is True
        wait_until(lambda: berta.account_relationships(on_de["id"])[0]["following"], message="the Accept on de")
        berta_on_fr = wait_until(lambda: next((a for a in alain.account_followers(me["id"], limit=80)
                                               if a["acct"] == f"berta@{de.host}"), None),
                                 message="berta among alain's followers on fr")
        assert alain.account_remove_from_followers(berta_on_fr["id"])["followed_by"] is False
        wait_until(lambda: not berta.account_relationships(on_de["id"])[0]["following"], message="the Reject on de")
    finally:
        alain.account_update_credentials(locked=False)
