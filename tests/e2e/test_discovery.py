"""Discovery across nodes: WebFinger, actor documents, NodeInfo, OAuth apps."""

from __future__ import annotations

AS2 = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


def test_webfinger_resolves_accounts_on_both_nodes(group):
    for node, username in (("fr", "alice"), ("de", "bob")):
        client = group[node]
        resp = client.http.get(f"{client.base}/.well-known/webfinger",
                               params={"resource": f"acct:{username}@{client.host}"})
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].startswith("application/jrd+json")
        data = resp.json()
        assert data["subject"] == f"acct:{username}@{client.host}"
        self_link = next(link for link in data["links"] if link["rel"] == "self")
        assert self_link == {"rel": "self", "type": AS2, "href": client.actor(username)}


def test_webfinger_unknown_account_and_foreign_host(group):
    fr = group["fr"]
    resp = fr.http.get(f"{fr.base}/.well-known/webfinger", params={"resource": f"acct:nobody@{fr.host}"})
    assert resp.status_code == 404
    resp = fr.http.get(f"{fr.base}/.well-known/webfinger", params={"resource": f"acct:bob@{group['de'].host}"})
    assert resp.status_code == 404
    resp = fr.http.get(f"{fr.base}/.well-known/webfinger")
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_request"


def test_actor_document_has_what_mastodon_needs(group):
    de = group["de"]
    for accept in (AS2, LD):
        resp = de.http.get(de.actor("bob"), headers={"Accept": accept})
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].startswith(AS2)
        actor = resp.json()
        assert actor["type"] == "Person" and actor["id"] == de.actor("bob")
        assert actor["preferredUsername"] == "bob"
        for field in ("inbox", "outbox", "followers", "following"):
            assert actor[field] == f"{de.actor('bob')}/{field}"
        assert actor["endpoints"]["sharedInbox"] == f"{de.base}/inbox"
        key = actor["publicKey"]
        assert key["id"] == f"{de.actor('bob')}#main-key" and key["owner"] == de.actor("bob")
        assert key["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
        assert "PRIVATE" not in resp.text


def test_instance_actor_and_nodeinfo(group):
    fr = group["fr"]
    actor = fr.http.get(f"{fr.base}/actor", headers={"Accept": AS2}).json()
    assert actor["type"] == "Application" and actor["publicKey"]["owner"] == f"{fr.base}/actor"
    links = fr.http.get(f"{fr.base}/.well-known/nodeinfo").json()["links"]
    assert links[0]["rel"] == "http://nodeinfo.diaspora.software/ns/schema/2.1"
    info = fr.http.get(links[0]["href"]).json()
    assert info["version"] == "2.1" and info["software"]["name"] == "archipel"
    assert info["protocols"] == ["activitypub"]
    assert info["usage"]["users"]["total"] >= 2
    assert info["openRegistrations"] is False


def test_oauth_app_registration_json_and_password_grant(group):
    fr = group["fr"]
    app = fr.http.post(f"{fr.base}/api/v1/apps", json={
        "client_name": "Phone app", "redirect_uris": "archipel://callback", "scopes": "read write"}).json()
    assert app["client_id"] and app["client_secret"] and app["redirect_uri"] == "archipel://callback"
    bad = fr.http.post(f"{fr.base}/oauth/token", data={
        "grant_type": "password", "username": "alice", "password": "wrong",
        "client_id": app["client_id"], "client_secret": app["client_secret"]})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    ok = fr.http.post(f"{fr.base}/oauth/token", data={
        "grant_type": "password", "username": "alice", "password": fr.password,
        "client_id": app["client_id"], "client_secret": app["client_secret"], "scope": "read"})
    assert ok.status_code == 200
    token = ok.json()["access_token"]
    # A read-only token cannot post.
    resp = fr.http.post(f"{fr.actor('alice')}/outbox", json={"type": "Note", "content": "hi"},
                        headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 403 and resp.json()["error"] == "insufficient_scope"
    resp = fr.http.get(f"{fr.actor('alice')}/inbox?page=true", headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 401 and resp.json()["error"] == "invalid_token"
