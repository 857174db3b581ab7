"""Following tags and the group's trending tags through a real Mastodon client library
(Mastodon.py) across two nodes: alice@fr follows a tag, bob@de (whom she does not follow)
posts to the group with it, and the post reaches her home timeline; the tag is listed in
her followed tags and trends on fr; unfollowing removes it from the list."""

from __future__ import annotations

import uuid

from tests.e2e.test_mastodon_statuses import _post, password_app
from tests.plugin import wait_until


def test_a_followed_tag_brings_a_group_post_home_and_trends(group):
    fr, de = group["fr"], group["de"]
    alice = password_app(fr, "alice")
    for poster in ("bob", "berta"):  # another test may have left alice following them
        account = alice.account_lookup(f"{poster}@{de.host}")
        if alice.account_relationships(account)[0]["following"]:
            alice.account_unfollow(account)
            wait_until(lambda account=account: not alice.account_relationships(account)[0]["following"],
                       message=f"alice no longer following {poster}")
    tag = f"welding{uuid.uuid4().hex[:6]}"  # this run's own: other tests' posts do not count
    followed = alice.tag_follow(tag)
    assert followed.name == tag and followed.following is True
    assert tag in [t.name for t in alice.followed_tags()]

    posted = _post(de, "bob", f"Who knows about #{tag}?", "group")
    _post(de, "berta", f"Me, a bit: #{tag}", "group")
    _post(de, "berta", f"Only my followers see this #{tag}", "private")
    wait_until(lambda: posted["uri"] in [s.uri for s in alice.timeline_home()],
               message="bob's group post in alice's home through the followed tag")
    home = alice.timeline_home()
    assert not any("Only my followers" in s.content for s in home)  # she follows neither bob nor berta

    wait_until(lambda: tag in [t.name for t in alice.trending_tags(limit=20)],
               message="the tag trending on fr")
    trend = next(t for t in alice.trending_tags(limit=20) if t.name == tag)
    assert trend.history[0].accounts == "2" and trend.history[0].uses == "2"  # not the followers-only one
    assert alice.tag(tag).following is True

    unfollowed = alice.tag_unfollow(tag)
    assert unfollowed.following is False
    assert tag not in [t.name for t in alice.followed_tags()]
