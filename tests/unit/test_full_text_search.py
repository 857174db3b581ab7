"""Full-text search of posts through the node's index (services/search), in process: the
client API's status search finds words in French, English and German (case and accents
folded, stems), keeps in step with edits and deletions, and never shows what the
requester may not see — a followers-only post, a hidden community's post, a direct
message, a deleted post."""

from __future__ import annotations

import uuid

import pytest

from tests.inprocess import MEMBER
from tests.unit.api_support import api_user

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
def people(node):
    users = {name: api_user(node, name) for name in ("alice", "bob", "carol", "dora")}
    node.follows(node.actor("carol"), node.actor("alice"))  # carol follows alice; bob does not
    return users


def found(user, q: str) -> list[str]:
    resp = user.get("/api/v2/search", query_string={"q": q, "type": "statuses"})
    assert resp.status_code == 200, resp.text
    return [s["uri"] for s in resp.get_json()["statuses"]]


def post(node, content: str, to: list[str], **extra) -> str:
    """alice's post."""
    return node.publish("alice", {"type": "Note", "content": content, "to": to, **extra})["object"]["id"]


def test_words_are_found_whatever_their_case_accents_and_endings(node, people):
    french = post(node, "<p>Contrôle des soudure au Café</p>", [PUBLIC], contentMap={"fr": "x"})
    german = post(node, "<p>Sicherheitsprüfung beim Schweißen</p>", [PUBLIC])
    english = post(node, "<p>Welding the new frames</p>", [PUBLIC])
    node.run()
    bob = people["bob"]
    assert found(bob, "CAFE controle") == [french]  # case and accents folded
    assert found(bob, "soudures") == [french]  # a French plural, by its stem
    assert found(bob, "schweissen sicherheitsprufung") == [german]  # ß and ü folded
    assert found(bob, "welded") == [english]  # an English stem
    assert found(bob, "frames welding") == [english]  # every word, in any order
    assert found(bob, "welding soudure") == []  # not one post has both


def test_an_edit_is_found_by_its_new_words_and_a_deleted_post_by_none(node, people):
    alice = people["alice"]
    resp = alice.post("/api/v1/statuses", data={"status": "Kick-off of project Alpha", "visibility": "public"})
    status = resp.get_json()
    node.run()
    assert found(people["bob"], "alpha") == [status["uri"]]
    resp = alice.put(f"/api/v1/statuses/{status['id']}", data={"status": "Kick-off of project Gamma"})
    assert resp.status_code == 200, resp.text
    node.run()
    assert found(people["bob"], "alpha") == []
    assert found(people["bob"], "gamma") == [status["uri"]]
    resp = node.gateway.delete(f"/api/v1/statuses/{status['id']}", headers=alice.headers, base_url=node.base)
    assert resp.status_code == 200, resp.text
    node.run()
    assert found(people["bob"], "gamma") == [] and found(alice, "gamma") == []


def test_followers_only_direct_and_hidden_community_posts_reach_only_who_may_see_them(node, people):
    word = "kw" + uuid.uuid4().hex[:8]
    public = post(node, f"<p>{word} public</p>", [PUBLIC])
    followers = post(node, f"<p>{word} followers</p>", [node.actor("alice") + "/followers"])
    direct = post(node, f"<p>{word} direct</p>", [node.actor("bob")])
    hidden = node.community("board", owner=node.actor("dora"), visibility="members",
                            members=(node.actor("alice"),))
    node.follows(node.actor("dora"), hidden)  # joining is following the Group
    node.follows(node.actor("alice"), hidden)
    secret = post(node, f"<p>{word} board</p>", [hidden])
    node.run()
    assert set(found(people["alice"], word)) == {public, followers, direct, secret}  # her own
    assert set(found(people["carol"], word)) == {public, followers}  # a follower, not addressed
    assert set(found(people["bob"], word)) == {public, direct}  # addressed, not a follower
    assert set(found(people["dora"], word)) == {public, secret}  # a member of the hidden community
    anonymous = node.gateway.get("/api/v2/search", query_string={"q": word}, base_url=node.base).get_json()
    assert [s["uri"] for s in anonymous["statuses"]] == [public]


def test_received_posts_are_indexed_as_they_arrive_change_and_go(node, people):
    remote = node.remote_actor(f"{MEMBER}/users/rolf")
    node.follows(node.actor("carol"), remote.id)
    note = {"id": f"{MEMBER}/notes/{uuid.uuid4().hex}", "type": "Note", "attributedTo": remote.id,
            "content": "<p>Qualitätszirkel am Montag</p>", "to": [remote.followers],
            "published": "2026-11-29T10:00:00Z"}
    create = {"id": note["id"] + "/create", "type": "Create", "actor": remote.id, "object": note,
              "to": note["to"]}
    assert node.deliver(create, by=remote, path="/users/carol/inbox").status_code == 202
    node.run()
    assert found(people["carol"], "qualitatszirkel") == [note["id"]]
    assert found(people["bob"], "qualitatszirkel") == []  # not a follower of rolf
    edited = {**note, "content": "<p>Qualitätszirkel am Dienstag</p>", "updated": "2026-11-29T11:00:00Z"}
    update = {"id": note["id"] + "/update", "type": "Update", "actor": remote.id, "object": edited,
              "to": note["to"]}
    assert node.deliver(update, by=remote, path="/users/carol/inbox").status_code == 202
    node.run()
    assert found(people["carol"], "montag") == [] and found(people["carol"], "dienstag") == [note["id"]]
    delete = {"id": note["id"] + "/delete", "type": "Delete", "actor": remote.id, "object": note["id"],
              "to": note["to"]}
    assert node.deliver(delete, by=remote, path="/users/carol/inbox").status_code == 202
    node.run()
    assert found(people["carol"], "dienstag") == []


def accounts(user, q: str) -> list[str]:
    resp = user.get("/api/v2/search", query_string={"q": q, "type": "accounts"})
    assert resp.status_code == 200, resp.text
    return [a["acct"] for a in resp.get_json()["accounts"]]


def test_a_closed_account_is_found_by_nobody(node, people):
    from services.identity import lifecycle
    from services.identity.models import Account

    assert accounts(people["bob"], "dora") == ["dora"]
    lifecycle.deactivate(node.config, Account.objects(username="dora").get(), by="test")
    node.index()
    assert accounts(people["bob"], "dora") == []
    lifecycle.reactivate(node.config, Account.objects(username="dora").get(), by="test")
    node.index()
    assert accounts(people["bob"], "dora") == ["dora"]


def test_the_index_is_rebuilt_from_what_the_services_hold(node, people):
    import redis

    from fedkit.contracts import search
    from services.search.__main__ import rebuild

    word = "kw" + uuid.uuid4().hex[:8]
    mine = post(node, f"<p>Rebuilt {word}</p>", [PUBLIC])
    remote = node.remote_actor(f"{MEMBER}/users/rolf")
    note = {"id": f"{MEMBER}/notes/{uuid.uuid4().hex}", "type": "Note", "attributedTo": remote.id,
            "content": f"<p>Received {word}</p>", "to": [PUBLIC], "published": "2026-11-29T10:00:00Z"}
    create = {"id": note["id"] + "/create", "type": "Create", "actor": remote.id, "object": note, "to": [PUBLIC]}
    assert node.deliver(create, by=remote).status_code == 202
    node.run()
    assert set(found(people["bob"], word)) == {mine, note["id"]}
    search.offer(redis.Redis.from_url(node.config.redis_url), node.config, [search.reset()])
    node.index()
    assert found(people["bob"], word) == [] and accounts(people["bob"], "carol") == []  # emptied
    counts = rebuild(node.config)
    node.index()
    assert counts["inbox"] >= 1 and counts["outbox"] >= 1 and counts["identity"] >= 4
    assert set(found(people["bob"], word)) == {mine, note["id"]}
    assert accounts(people["bob"], "carol") == ["carol"]


def test_hashtags_are_counted_among_the_posts_the_reader_may_see_however_many_are_hidden(node, people,
                                                                                          monkeypatch):
    from services.inbox import search_api

    monkeypatch.setattr(search_api, "SCAN_LIMIT", 3)  # posts looked at for one answer
    tag = "tg" + uuid.uuid4().hex[:8]
    seen = post(node, f"<p>#{tag}public</p>", [PUBLIC],
                tag=[{"type": "Hashtag", "name": f"#{tag}public", "href": f"{node.base}/tags/{tag}public"}])
    for i in range(4):  # newer, and hidden from bob: followers-only, and he does not follow alice
        post(node, f"<p>#{tag}hidden{i}</p>", [node.actor("alice") + "/followers"],
             tag=[{"type": "Hashtag", "name": f"#{tag}hidden{i}", "href": f"{node.base}/tags/{tag}hidden{i}"}])
    node.run()
    assert seen
    resp = people["bob"].get("/api/v2/search", query_string={"q": f"#{tag}", "type": "hashtags"})
    assert [t["name"] for t in resp.get_json()["hashtags"]] == [f"{tag}public"]
    resp = people["carol"].get("/api/v2/search", query_string={"q": f"#{tag}", "type": "hashtags"})
    assert len(resp.get_json()["hashtags"]) == 3  # carol follows alice: the newest three looked at


def test_a_post_to_a_community_the_reader_sees_without_joining_is_found(node, people):
    """A group-visible community's posts are readable by every employee, member or not (the
    visibility policy): the search finds them too; a hidden community's stay with its members."""
    word = "kw" + uuid.uuid4().hex[:8]
    visible = node.community("quality", owner=node.actor("dora"), visibility="group",
                             members=(node.actor("alice"),))
    hidden = node.community("taskforce", owner=node.actor("dora"), visibility="members",
                            members=(node.actor("alice"),))
    in_visible = post(node, f"<p>{word} in the open</p>", [visible])
    in_hidden = post(node, f"<p>{word} behind doors</p>", [hidden])
    node.run()
    assert set(found(people["bob"], word)) == {in_visible}  # bob joined neither
    assert set(found(people["alice"], word)) == {in_visible, in_hidden}  # her own posts
    anonymous = node.gateway.get("/api/v2/search", query_string={"q": word}, base_url=node.base).get_json()
    assert anonymous["statuses"] == []  # a group community's posts stay inside the group
