"""The group's trending tags (services/inbox/trends.py): counted from posts the group may
see, ranked by distinct accounts as Mastodon does, with Mastodon's per-day history."""

from __future__ import annotations

import datetime as dt

from fedkit.protocol.vocab import PUBLIC
from services.inbox.trends import broadcast, history, ranked

GROUP = "urn:archipel:group:demo"
NOW = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)


def _post(author: str, *tags: str, to=(GROUP,), cc=(), hours_ago: float = 1):
    obj = {"id": f"https://de.example/notes/{author}-{'-'.join(tags)}-{hours_ago}", "type": "Note",
           "attributedTo": f"https://de.example/users/{author}", "to": list(to), "cc": list(cc),
           "tag": [{"type": "Hashtag", "name": f"#{t}"} for t in tags]}
    return obj, NOW - dt.timedelta(hours=hours_ago)


def test_a_followers_only_post_never_counts():
    followers_only = _post("bob", "secret", to=("https://de.example/users/bob/followers",))
    assert not broadcast(followers_only[0], GROUP)
    assert ranked([followers_only], GROUP, NOW) == []


def test_direct_and_unlisted_posts_do_not_count_public_and_group_ones_do():
    direct = _post("bob", "x", to=("https://fr.example/users/alice",))
    unlisted = _post("bob", "x", to=("https://de.example/users/bob/followers",), cc=(PUBLIC,))
    community = _post("bob", "x", to=("https://de.example/communities/board",))
    assert not any(broadcast(p, GROUP) for p, _ in (direct, unlisted, community))
    assert broadcast(_post("bob", "x", to=(PUBLIC,))[0], GROUP)
    assert broadcast(_post("bob", "x")[0], GROUP)


def test_five_people_outrank_one_person_ten_times():
    posts = [_post("spammer", "solo", hours_ago=h) for h in range(10)]
    posts += [_post(name, "welding") for name in ("a", "b", "c", "d", "e")]
    trends = ranked(posts, GROUP, NOW)
    assert [t.name for t in trends] == ["welding", "solo"]
    assert (trends[0].accounts, trends[0].uses) == (5, 5)
    assert (trends[1].accounts, trends[1].uses) == (1, 10)


def test_old_posts_fall_out_of_the_window_and_names_compare_without_case():
    posts = [_post("a", "Welding"), _post("b", "welding"), _post("c", "old", hours_ago=24 * 8)]
    trends = ranked(posts, GROUP, NOW)
    assert [t.name for t in trends] == ["welding"]
    assert trends[0].accounts == 2


def test_history_has_one_entry_per_day_newest_first_as_mastodon_strings():
    posts = [_post("a", "welding", hours_ago=1), _post("a", "welding", hours_ago=2),
             _post("b", "welding", hours_ago=30)]
    days = history(posts, GROUP, "welding", NOW)
    assert len(days) == 7
    today = int(dt.datetime(2026, 11, 30, tzinfo=dt.UTC).timestamp())
    assert days[0] == {"day": str(today), "uses": "2", "accounts": "1"}
    assert days[1] == {"day": str(today - 86400), "uses": "1", "accounts": "1"}
    assert all(d == {"day": d["day"], "uses": "0", "accounts": "0"} for d in days[2:])
