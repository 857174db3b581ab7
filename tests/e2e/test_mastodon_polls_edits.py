"""Polls and edits through a real Mastodon client library (Mastodon.py) across two nodes:
alice@fr posts a poll, bob@de (her follower) sees it, votes, and both nodes show the count
(alice's counts the vote, then sends the new totals as an Update of the Question); a vote
is no status; alice edits a post and bob sees the new text with ``edited_at`` and a history
of two versions; only the author edits."""

from __future__ import annotations

import uuid

import pytest
from mastodon import MastodonAPIError

from tests.e2e.test_mastodon_interactions import _in_home, bob_follows_alice  # noqa: F401  (a fixture)
from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import DLP_RULES, wait_until


@pytest.fixture(scope="module")
def people(group):
    fr, de = group["fr"], group["de"]
    return {"alice": password_app(fr, "alice"), "bob": password_app(de, "bob")}


def _votes(app, poll_id: str) -> list[int]:
    return [o["votes_count"] for o in app.poll(poll_id)["options"]]


def test_a_poll_across_two_nodes(group, people, bob_follows_alice):  # noqa: F811
    alice, bob = people["alice"], people["bob"]
    tag = uuid.uuid4().hex[:8]
    post = alice.status_post(f"Lunch? {tag}", visibility="public",
                             poll=alice.make_poll(["pizza", "sushi"], expires_in=3600))
    assert [o["title"] for o in post["poll"]["options"]] == ["pizza", "sushi"]
    assert (post["poll"]["multiple"], post["poll"]["voted"], post["poll"]["votes_count"]) == (False, False, 0)
    assert alice.poll(post["poll"]["id"])["expires_at"] == post["poll"]["expires_at"]

    wait_until(lambda: _in_home(bob, post["uri"]) is not None, message="alice's poll on de")
    on_de = _in_home(bob, post["uri"])
    assert [o["title"] for o in on_de["poll"]["options"]] == ["pizza", "sushi"]
    voted = bob.poll_vote(on_de["poll"]["id"], [1])
    assert (voted["voted"], voted["own_votes"], _count(voted)) == (True, [1], [0, 1])

    # fr counts bob's vote; de learns the new totals from alice's Update of the Question
    wait_until(lambda: _votes(alice, post["poll"]["id"]) == [0, 1], message="bob's vote counted on fr")
    wait_until(lambda: _votes(bob, on_de["poll"]["id"]) == [0, 1], message="the new totals on de")
    shown = bob.status(on_de["id"])
    assert shown["poll"]["voted"] is True and shown["poll"]["own_votes"] == [1]
    assert shown["edited_at"] is None  # new totals are no edit
    assert alice.poll(post["poll"]["id"])["voted"] is False

    with pytest.raises(MastodonAPIError) as again:
        bob.poll_vote(on_de["poll"]["id"], [0])
    assert again.value.args[1] == 422
    with pytest.raises(MastodonAPIError) as own:
        alice.poll_vote(post["poll"]["id"], [0])
    assert own.value.args[1] == 422
    # a vote is no status: not a reply of the poll, not among bob's statuses
    assert alice.status_context(post["id"])["descendants"] == []
    assert bob.status_context(on_de["id"])["descendants"] == []
    me = bob.me()
    assert all(s["content"] for s in bob.account_statuses(me["id"], limit=40))


def _count(poll: dict) -> list[int]:
    return [o["votes_count"] for o in poll["options"]]


def test_an_edit_across_two_nodes(group, people, bob_follows_alice):  # noqa: F811
    alice, bob = people["alice"], people["bob"]
    tag = uuid.uuid4().hex[:8]
    post = alice.status_post(f"before {tag}", visibility="public")
    assert post["edited_at"] is None
    wait_until(lambda: _in_home(bob, post["uri"]) is not None, message="alice's post on de")
    on_de = _in_home(bob, post["uri"])

    with pytest.raises(MastodonAPIError) as refused:
        bob.status_update(on_de["id"], "hijacked")
    assert refused.value.args[1] == 403

    edited = alice.status_update(post["id"], f"after {tag}", spoiler_text="lunch")
    assert f"after {tag}" in edited["content"] and edited["edited_at"] is not None
    assert edited["spoiler_text"] == "lunch" and edited["sensitive"] is True
    assert alice.status_source(post["id"])["text"] == f"after {tag}"
    history = alice.status_history(post["id"])
    assert [f"before {tag}" in history[0]["content"], f"after {tag}" in history[1]["content"]] == [True, True]

    wait_until(lambda: f"after {tag}" in bob.status(on_de["id"])["content"], message="the edit on de")
    seen = bob.status(on_de["id"])
    assert seen["edited_at"] is not None and seen["spoiler_text"] == "lunch"
    on_de_history = bob.status_history(on_de["id"])
    assert len(on_de_history) == 2
    assert f"before {tag}" in on_de_history[0]["content"] and f"after {tag}" in on_de_history[1]["content"]
    assert on_de_history[1]["account"]["acct"] == f"alice@{group['fr'].host}"

    # An edit goes through data-loss prevention as a new post: this public post would leak
    # what the group's #confidential rule blocks (tests.plugin.DLP_RULES): 422, unchanged.
    with pytest.raises(MastodonAPIError) as blocked:
        alice.status_update(post["id"], f"leak {tag} #confidential")
    assert blocked.value.args[1] == 422
    assert blocked.value.args[3] == DLP_RULES["rules"][1]["message"]
    assert f"after {tag}" in alice.status(post["id"])["content"] and len(alice.status_history(post["id"])) == 2
    # ... and one the hold rule matches waits for an administrator: the status, unchanged, pending
    held = alice.status_update(post["id"], f"Project Osprey {tag}")
    assert held["pending"] is True and f"after {tag}" in held["content"]
    assert held["archipel"]["held"]["message"].startswith(DLP_RULES["rules"][0]["message"])
    assert f"after {tag}" in alice.status(post["id"])["content"]
