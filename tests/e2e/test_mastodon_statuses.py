"""Statuses and timelines through a real Mastodon client library (Mastodon.py) across two
nodes: alice@fr (split) follows bob@de (compact) with the follow API, bob posts with every
visibility (Mastodon's four with status_post, Archipel's group and node as an app names
them), alice's home timeline shows what she may see and nothing else, a thread's context,
deletion, data-loss prevention answers, and 404 for whatever the requester may not see —
by the same policy as the ActivityPub paths."""

from __future__ import annotations

import uuid

import pytest
from mastodon import Mastodon, MastodonNotFoundError

from tests.e2e.test_mastodon_api import SCOPES, mastodon_app
from tests.plugin import wait_until


def password_app(client, username: str) -> Mastodon:
    app = mastodon_app(client)
    app.log_in(username, client.password, scopes=SCOPES, allow_http=True)
    return app


@pytest.fixture(scope="module")
def people(group):
    fr, de = group["fr"], group["de"]
    return {"alice": password_app(fr, "alice"), "amelie": password_app(fr, "amelie"),
            "bob": password_app(de, "bob"), "berta": password_app(de, "berta")}


@pytest.fixture(scope="module")
def alice_follows_bob(group, people):
    """alice@fr follows bob@de with POST /api/v1/accounts/:id/follow. fr must know bob's
    account first (finding a remote account by WebFinger is /api/v2/search, a later slice):
    alain meets him over C2S ActivityPub, as the README's walkthrough does."""
    fr, de = group["fr"], group["de"]
    fr.publish("alain", {"type": "Follow", "object": de.actor("bob")})
    alice = people["alice"]
    wait_until(lambda: _lookup(alice, f"bob@{de.host}") is not None, message="fr to know bob")
    bob_on_fr = _lookup(alice, f"bob@{de.host}")
    rel = alice.account_follow(bob_on_fr.id)
    assert rel.following or rel.requested
    wait_until(lambda: alice.account_relationships(bob_on_fr.id)[0].following, message="bob's Accept")
    assert fr.actor("alice") in de.followers("bob")
    return bob_on_fr


def _lookup(app, acct):
    try:
        return app.account_lookup(acct)
    except MastodonNotFoundError:
        return None


def _post(client, username: str, text: str, visibility: str, **fields) -> dict:
    """POST /api/v1/statuses as an app that names Archipel's audiences does (Mastodon.py
    accepts only Mastodon's four visibilities)."""
    resp = client.api("POST", "/api/v1/statuses", username, data={"status": text, "visibility": visibility,
                                                                  **fields})
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_statuses_and_timelines_across_two_nodes(group, people, alice_follows_bob):
    fr, de = group["fr"], group["de"]
    alice, amelie, bob, berta = people["alice"], people["amelie"], people["bob"], people["berta"]
    tag = uuid.uuid4().hex[:8]
    posted = {v: bob.status_post(f"{v} {tag}", visibility=v) for v in ("public", "unlisted", "private")}
    posted["direct"] = bob.status_post(f"@alice@{fr.host} direct {tag}", visibility="direct")
    posted["direct-berta"] = bob.status_post(f"@berta direct {tag}", visibility="direct")
    for visibility in ("group", "node"):
        posted[visibility] = _post(de, "bob", f"{visibility} {tag}", visibility)
    # The API answers with the visibility actually applied, on the author's node.
    assert {k: s["visibility"] for k, s in posted.items()} == {
        "public": "public", "unlisted": "unlisted", "private": "private", "direct": "direct",
        "direct-berta": "direct", "group": "group", "node": "node"}
    assert posted["direct"]["mentions"][0]["acct"] == f"alice@{fr.host}"
    for status in posted.values():
        assert bob.status(status["id"])["uri"] == status["uri"]

    # alice's home on fr: what reached her and she may see; never berta's direct nor a node post.
    expected = {"public", "unlisted", "private", "direct", "group"}

    def home_texts():
        return {s.content for s in alice.timeline_home(limit=40) if tag in s.content}

    wait_until(lambda: len(home_texts()) == len(expected), message="bob's posts in alice's home")
    home = {s.uri: s for s in alice.timeline_home(limit=40) if tag in s.content}
    assert {s.visibility for s in home.values()} == expected
    assert posted["node"]["uri"] not in home and posted["direct-berta"]["uri"] not in home
    on_fr = {s.visibility: s for s in home.values()}
    assert on_fr["public"].account.acct == f"bob@{de.host}" and on_fr["public"].id != posted["public"]["id"]

    # A followers-only status: 404 to a non-follower, on either node, like a missing one.
    private_on_fr = on_fr["private"].id
    assert alice.status(private_on_fr).uri == posted["private"]["uri"]
    with pytest.raises(MastodonNotFoundError):
        amelie.status(private_on_fr)
    with pytest.raises(MastodonNotFoundError):
        berta.status(posted["private"]["id"])
    with pytest.raises(MastodonNotFoundError):
        berta.status(posted["direct"]["id"])
    missing = de.api("GET", "/api/v1/statuses/1", "berta")
    hidden = de.api("GET", f"/api/v1/statuses/{posted['private']['id']}", "berta")
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    assert berta.status(posted["node"]["id"]).visibility == "node"  # bob's node sees node posts

    # Streams: de's own (local) for berta; the group's as fr knows it for amelie.
    # Unlisted is out of both (Mastodon: "not included in public timelines").
    local = {s.uri for s in berta.timeline_local(limit=40)}
    assert {posted[v]["uri"] for v in ("public", "group", "node")} <= local
    assert not {posted[v]["uri"] for v in ("unlisted", "private", "direct", "direct-berta")} & local
    stream = {s.uri for s in amelie.timeline_public(limit=40)}
    assert {posted["public"]["uri"], posted["group"]["uri"]} <= stream
    assert not {posted[v]["uri"] for v in ("unlisted", "private", "direct", "node")} & stream
    # An account's statuses: what the requester may see.
    bob_on_de = berta.account_lookup("bob")
    shown = {s.uri for s in berta.account_statuses(bob_on_de.id, limit=40)}
    assert {posted[v]["uri"] for v in ("public", "unlisted", "group", "node")} <= shown
    assert not {posted[v]["uri"] for v in ("private", "direct")} & shown

    # A reply and its thread, on both nodes.
    reply = alice.status_post(f"reply {tag}", in_reply_to_id=on_fr["public"].id, visibility="public")
    assert reply.in_reply_to_id == on_fr["public"].id
    assert reply.in_reply_to_account_id == alice_follows_bob.id
    assert reply.uri in [s.uri for s in alice.timeline_home(limit=5)]  # her own posts too, as on Mastodon
    wait_until(lambda: reply.uri in [s.uri for s in alice.status_context(on_fr["public"].id).descendants],
               message="the reply in its thread on fr")
    assert [s.uri for s in alice.status_context(reply.id).ancestors] == [posted["public"]["uri"]]
    wait_until(lambda: reply.uri in [s.uri for s in bob.status_context(posted["public"]["id"]).descendants],
               message="alice's reply to reach de")

    # Deleting: the status is 404 on its node at once, and on fr once the Delete arrived.
    deleted = bob.status_delete(posted["unlisted"]["id"])
    assert deleted.text == f"unlisted {tag}"
    with pytest.raises(MastodonNotFoundError):
        bob.status(posted["unlisted"]["id"])

    def gone_on_fr():
        try:
            alice.status(on_fr["unlisted"].id)
        except MastodonNotFoundError:
            return True
        return False

    wait_until(gone_on_fr, message="the Delete to reach fr")
    with pytest.raises(MastodonNotFoundError):
        alice.status_delete(on_fr["public"].id)  # another's status: not found, as Mastodon


def test_paging_of_the_home_timeline_through_link_headers(group, people, alice_follows_bob):
    alice, bob = people["alice"], people["bob"]
    tag = uuid.uuid4().hex[:8]
    for n in range(3):
        bob.status_post(f"page {n} {tag}", visibility="public")
    wait_until(lambda: sum(tag in s.content for s in alice.timeline_home(limit=40)) == 3,
               message="three posts in alice's home")
    seen, page = [], alice.timeline_home(limit=1)
    while page and len(seen) < 80:
        assert len(page) == 1
        seen.extend(s.content for s in page)
        page = alice.fetch_next(page)
    assert len(seen) == len(set(seen))  # no status twice across pages
    # All three, once each; in the order they reached alice's inbox (the delivery worker
    # may bring posts made in the same second in any order).
    assert sorted(text.split()[1] for text in seen if tag in text) == ["0", "1", "2"]
    # Apps also page with the ids of the statuses they show: max_id = a status's id gives
    # what reached alice before that status was published (here: earlier tests' posts).
    newest = next(s for s in alice.timeline_home(limit=40) if tag in s.content)
    older = alice.timeline_home(max_id=newest.id, limit=40)
    assert older and not [s for s in older if tag in s.content]


def test_data_loss_prevention_answers_reach_the_app(group):
    de = group["de"]
    blocked = de.api("POST", "/api/v1/statuses", "bob", data={"status": "specs #confidential",
                                                              "visibility": "public"})
    assert blocked.status_code == 422
    assert blocked.json()["error"] == "Posts tagged #confidential stay inside the group"
    held = de.api("POST", "/api/v1/statuses", "bob", data={"status": "About Project Osprey",
                                                           "visibility": "public"})
    assert held.status_code == 202, held.text
    body = held.json()
    assert body["pending"] is True and body["archipel"]["held"]["state"] == "held"
    assert "Project Osprey is confidential" in body["archipel"]["held"]["message"]
    # The same request again (an app retrying with its Idempotency-Key) holds nothing more.
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first, again = (de.api("POST", "/api/v1/statuses", "bob", headers=key,
                           data={"status": "Project Osprey again", "visibility": "public"}) for _ in range(2))
    assert first.status_code == again.status_code == 202 and first.json()["id"] == again.json()["id"]
    assert body["visibility"] == "public" and "Osprey" in body["content"]
    # Inside the group, the rules do not apply (README "Data-loss prevention").
    assert _post(de, "bob", "About Project Osprey, group only", "group")["visibility"] == "group"


def test_idempotency_key_and_bad_input(group, alice_follows_bob):
    de = group["de"]
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = de.api("POST", "/api/v1/statuses", "bob", headers=key, data={"status": "once", "visibility": "public"})
    again = de.api("POST", "/api/v1/statuses", "bob", headers=key, data={"status": "once", "visibility": "public"})
    assert first.status_code == again.status_code == 200 and first.json()["id"] == again.json()["id"]
    for data in ({"status": ""}, {"status": "x", "visibility": "everyone"}, {"status": "x" * 6000}):
        resp = de.api("POST", "/api/v1/statuses", "bob", data=data)
        assert resp.status_code == 422 and isinstance(resp.json()["error"], str), data
    resp = de.api("POST", "/api/v1/statuses", "bob", data={"status": "x", "in_reply_to_id": "123"})
    assert resp.status_code == 404
    resp = de.api("GET", "/api/v1/timelines/home?max_id=abc", "bob")
    assert resp.status_code == 400
    assert de.api("POST", "/api/v1/statuses", data={"status": "anonymous"}).status_code == 401
    # A node post naming someone outside the node is refused by the outbox's audience check.
    fr_host = group["fr"].host
    resp = de.api("POST", "/api/v1/statuses", "bob", data={"status": f"@alice@{fr_host} hi", "visibility": "node"})
    assert resp.status_code == 422 and "node" in resp.json()["error"]


def test_unfollow_with_the_api(group, people, alice_follows_bob):
    """amelie@fr follows bob@de, then unfollows: an Undo of her Follow reaches de."""
    fr, de = group["fr"], group["de"]
    amelie = people["amelie"]
    bob_id = amelie.account_lookup(f"bob@{de.host}").id
    amelie.account_follow(bob_id)
    wait_until(lambda: fr.actor("amelie") in de.followers("bob"), message="amelie following bob")
    rel = amelie.account_unfollow(bob_id)
    assert rel.following is False and rel.requested is False
    wait_until(lambda: fr.actor("amelie") not in de.followers("bob"), message="the Undo to reach de")
    wait_until(lambda: not amelie.account_relationships(bob_id)[0].following, message="fr to forget it")
