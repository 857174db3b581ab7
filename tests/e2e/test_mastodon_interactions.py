"""Favourites and boosts through a real Mastodon client library (Mastodon.py) across two
nodes: bob@de (compact) follows alice@fr (split), favourites and boosts her public post;
both nodes then show the counts, bob's own flags, who favourited and boosted; undoing
works; a followers-only post cannot be boosted and a post one may not see is a 404."""

from __future__ import annotations

import uuid

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import wait_until


@pytest.fixture(scope="module")
def people(group):
    fr, de = group["fr"], group["de"]
    return {"alice": password_app(fr, "alice"), "amelie": password_app(fr, "amelie"),
            "bob": password_app(de, "bob")}


@pytest.fixture(scope="module")
def bob_follows_alice(group):
    fr, de = group["fr"], group["de"]
    de.follow_and_wait("bob", fr, "alice")


def _in_home(app, uri: str):
    return next((s for s in app.timeline_home(limit=40) if s["uri"] == uri), None)


def test_favourite_and_boost_across_two_nodes(group, people, bob_follows_alice):
    de = group["de"]
    alice, amelie, bob = people["alice"], people["amelie"], people["bob"]
    tag = uuid.uuid4().hex[:8]
    post = alice.status_post(f"public {tag}", visibility="public")
    assert (post["favourites_count"], post["reblogs_count"], post["favourited"]) == (0, 0, False)
    wait_until(lambda: _in_home(bob, post["uri"]) is not None, message="alice's post on de")
    on_de = _in_home(bob, post["uri"])

    liked = bob.status_favourite(on_de["id"])
    assert liked["favourited"] is True and liked["favourites_count"] == 1
    boost = bob.status_reblog(on_de["id"])
    assert boost["reblog"]["uri"] == post["uri"] and boost["reblog"]["reblogged"] is True
    assert boost["account"]["username"] == "bob"
    # bob's own node knows them (recorded once the outbox delivered them locally)...
    wait_until(lambda: bob.status(on_de["id"])["reblogs_count"] == 1, message="bob's boost on de")
    mine = bob.status(on_de["id"])
    assert (mine["favourited"], mine["reblogged"], mine["favourites_count"]) == (True, True, 1)
    # ...and alice's, from the Like and Announce it received.
    wait_until(lambda: alice.status(post["id"])["favourites_count"] == 1, message="bob's Like on fr")
    wait_until(lambda: alice.status(post["id"])["reblogs_count"] == 1, message="bob's Announce on fr")
    hers = alice.status(post["id"])
    assert (hers["favourited"], hers["reblogged"]) == (False, False)
    assert [a["acct"] for a in alice.status_favourited_by(post["id"])] == [f"bob@{de.host}"]
    assert [a["acct"] for a in alice.status_reblogged_by(post["id"])] == [f"bob@{de.host}"]
    # A colleague on alice's node favourites it too: a local Like.
    amelie.status_favourite(post["id"])
    wait_until(lambda: alice.status(post["id"])["favourites_count"] == 2, message="amelie's Like")
    assert amelie.status(post["id"])["favourited"] is True

    # Undoing: the flags at once, the counts on both nodes once the Undo arrives.
    assert bob.status_unfavourite(on_de["id"])["favourited"] is False
    assert bob.status_unreblog(on_de["id"])["reblogged"] is False
    wait_until(lambda: alice.status(post["id"])["favourites_count"] == 1, message="bob's Undo Like on fr")
    wait_until(lambda: alice.status(post["id"])["reblogs_count"] == 0, message="bob's Undo Announce on fr")
    wait_until(lambda: not bob.status(on_de["id"])["favourited"], message="bob's Undo Like on de")
    assert [a["acct"] for a in alice.status_favourited_by(post["id"])] == ["amelie"]


def test_only_what_one_sees_and_may_boost(group, people, bob_follows_alice):
    alice, amelie, bob = people["alice"], people["amelie"], people["bob"]
    tag = uuid.uuid4().hex[:8]
    private = alice.status_post(f"followers only {tag}", visibility="private")
    wait_until(lambda: _in_home(bob, private["uri"]) is not None, message="alice's private post on de")
    on_de = _in_home(bob, private["uri"])
    with pytest.raises(MastodonAPIError) as refused:
        bob.status_reblog(on_de["id"])
    assert refused.value.args[1] == 403
    assert bob.status(on_de["id"])["reblogged"] is False
    # amelie does not follow alice: the post does not exist for her.
    for call in (amelie.status_favourite, amelie.status_reblog, amelie.status_favourited_by,
                 amelie.status_reblogged_by):
        with pytest.raises(MastodonNotFoundError):
            call(private["id"])
    # A follower may favourite it.
    assert bob.status_favourite(on_de["id"])["favourited"] is True


def _about(app, uri: str) -> set[str]:
    return {n["type"] for n in app.notifications(limit=80) if n["status"] and n["status"]["uri"] == uri}


def test_notifications_of_favourites_boosts_mentions_and_follows(group, people, bob_follows_alice):
    fr, de = group["fr"], group["de"]
    alice, bob = people["alice"], people["bob"]
    tag = uuid.uuid4().hex[:8]
    post = alice.status_post(f"tell me {tag}", visibility="public")
    wait_until(lambda: _in_home(bob, post["uri"]) is not None, message="alice's post on de")
    on_de = _in_home(bob, post["uri"])
    bob.status_favourite(on_de["id"])
    bob.status_reblog(on_de["id"])
    wait_until(lambda: _about(alice, post["uri"]) == {"favourite", "reblog"}, message="alice's notifications")
    favourite = next(n for n in alice.notifications(types=["favourite"]) if n["status"]["uri"] == post["uri"])
    assert favourite["account"]["acct"] == f"bob@{de.host}"
    assert favourite["status"]["id"] == post["id"] and favourite["created_at"]
    assert {n["type"] for n in alice.notifications(types=["favourite"])} == {"favourite"}
    assert "favourite" not in {n["type"] for n in alice.notifications(exclude_types=["favourite"])}

    # A follow, and a mention from the other node.
    follow = de.publish("berta", {"type": "Follow", "object": fr.actor("alice")})
    wait_until(lambda: any(n["account"]["acct"] == f"berta@{de.host}" for n in alice.notifications(types=["follow"])),
               message="berta's follow notification")
    de.publish("berta", {"type": "Undo", "object": follow})  # other tests rely on berta not following alice
    wait_until(lambda: de.actor("berta") not in fr.followers("alice"), message="berta's unfollow on fr")
    bob.status_post(f"@alice@{fr.host} hello {tag}", visibility="public")

    def mention():
        return next((n for n in alice.notifications(types=["mention"]) if tag in n["status"]["content"]), None)

    wait_until(lambda: mention() is not None, message="bob's mention on fr")
    found = mention()
    assert found["account"]["acct"] == f"bob@{de.host}"
    assert alice.notifications(id=found["id"])["id"] == found["id"]
    # Link paging: one at a time, the next page is older.
    first = alice.notifications(limit=1)
    older = alice.fetch_next(first)
    assert len(first) == 1 and older and int(older[0]["id"]) < int(first[0]["id"])

    alice.notifications_dismiss(found["id"])
    with pytest.raises(MastodonNotFoundError):
        alice.notifications(id=found["id"])
    assert mention() is None
    # Another's notification is not to be had.
    with pytest.raises(MastodonNotFoundError):
        people["amelie"].notifications(id=favourite["id"])
    alice.notifications_clear()
    assert alice.notifications() == []
