"""Subscribing to an account's posts through a real Mastodon client library (Mastodon.py)
across two nodes: bob@de, who follows alice@fr, follows her again with ``notify=True``
(docs.joinmastodon.org/methods/accounts/#follow); his relationship shows ``notifying``;
alice's next public post reaches de and bob gets a ``status`` notification of it; following
again with ``notify=False`` ends it."""

from __future__ import annotations

import uuid

from tests.e2e.test_mastodon_statuses import password_app
from tests.plugin import wait_until


def _told_of(app, uri: str) -> bool:
    return any(n["status"] and n["status"]["uri"] == uri for n in app.notifications(types=["status"]))


def test_a_subscriber_on_another_node_is_told_of_each_new_post(group):
    fr, de = group["fr"], group["de"]
    alice, bob = password_app(fr, "alice"), password_app(de, "bob")
    de.follow_and_wait("bob", fr, "alice")
    on_de = bob.account_lookup(f"alice@{fr.host}")

    relationship = bob.account_follow(on_de["id"], notify=True)
    assert relationship["following"] is True and relationship["notifying"] is True
    assert bob.account_relationships([on_de["id"]])[0]["notifying"] is True

    post = alice.status_post(f"news {uuid.uuid4().hex[:8]}", visibility="public")
    wait_until(lambda: _told_of(bob, post["uri"]), message="bob's status notification on de")
    [told] = [n for n in bob.notifications(types=["status"]) if n["status"]["uri"] == post["uri"]]
    assert told["account"]["acct"] == f"alice@{fr.host}"

    assert bob.account_follow(on_de["id"], notify=False)["notifying"] is False
    assert bob.account_relationships([on_de["id"]])[0]["notifying"] is False
