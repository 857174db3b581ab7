"""A standard ActivityPub server takes part in a ``public`` community (FEP-1b12).

The remote actor, carol, is not an Archipel node: the test runs a minimal ActivityPub
server on loopback that serves her actor document, keeps what reaches her inbox and
signs what she sends the way Mastodon does (draft-cavage rsa-sha256 over
``(request-target) host date digest``). It only knows ActivityPub: WebFinger, the
Group's actor document, Follow / Create to the Group's inbox, Accept and Announce back.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import uuid

import pytest
import requests

from fedkit.protocol import httpsig
from fedkit.protocol.keys import generate_rsa_keypair
from fedkit.runtime.config import Config
from fedkit.runtime.http import signed_post
from tests.e2e.community_support import (
    inbox_object,
    join_and_wait,
    members,
    post_to,
    processed_on,
    unique,
)
from tests.plugin import wait_until

AP = "application/activity+json"
AS2 = "https://www.w3.org/ns/activitystreams"


class PlainActivityPubPeer:
    """One Person (carol) on a tiny ActivityPub server on loopback: her actor document
    and any object she published are served at their ids, her inbox keeps every POST."""

    def __init__(self, username: str = "carol"):
        self.private_pem, self.public_pem = generate_rsa_keypair()
        self.documents: dict[str, dict] = {}
        self.received: list[dict] = []  # POSTs to the inbox: path, headers, body, json
        self.fetches: list[dict] = []  # GETs: path, headers
        self._lock = threading.Lock()
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                with peer._lock:
                    peer.fetches.append({"path": self.path, "headers": dict(self.headers)})
                doc = peer.documents.get(self.path)
                body = json.dumps(doc).encode() if doc is not None else b'{"error": "not_found"}'
                self.send_response(200 if doc is not None else 404)
                self.send_header("Content-Type", AP if doc is not None else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path != peer.inbox_path:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = None
                with peer._lock:
                    peer.received.append({"path": self.path, "headers": dict(self.headers),
                                          "body": body, "json": parsed})
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.actor = f"{self.base}/users/{username}"
        self.inbox_path = f"/users/{username}/inbox"
        self.key_id = f"{self.actor}#main-key"
        self.documents[f"/users/{username}"] = {
            "@context": [AS2, "https://w3id.org/security/v1"],
            "id": self.actor,
            "type": "Person",
            "preferredUsername": username,
            "name": username.capitalize(),
            "inbox": self.base + self.inbox_path,
            "outbox": f"{self.actor}/outbox",
            "followers": f"{self.actor}/followers",
            "following": f"{self.actor}/following",
            "publicKey": {"id": self.key_id, "owner": self.actor, "publicKeyPem": self.public_pem},
        }
        self.documents[f"/users/{username}/followers"] = {
            "@context": AS2, "id": f"{self.actor}/followers", "type": "OrderedCollection",
            "totalItems": 0, "orderedItems": []}
        # dev mode: the signed client may POST to loopback http:// URLs
        self.config = Config(dev_mode=True, http_timeout=10.0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def new_id(self, kind: str) -> str:
        return f"{self.base}/{kind}/{uuid.uuid4().hex}"

    def publish(self, obj: dict) -> None:
        """Serve ``obj`` at its id, as its origin server would."""
        self.documents[obj["id"][len(self.base):]] = {"@context": AS2, **obj}

    def send(self, inbox: str, activity: dict) -> requests.Response:
        body = json.dumps({"@context": AS2, **activity}).encode()
        return signed_post(inbox, body, self.config, key_id=self.key_id, private_pem=self.private_pem)

    def inbox_items(self) -> list[dict]:
        with self._lock:
            return list(self.received)

    def find(self, predicate) -> dict | None:
        """The first POST to the inbox whose JSON body matches ``predicate``."""
        return next((r for r in self.inbox_items() if isinstance(r["json"], dict) and predicate(r["json"])),
                    None)

    def verify(self, method: str, path: str, headers: dict, body: bytes | None) -> str:
        """Check the request's HTTP signature as a Mastodon would: the key is fetched
        from its keyId (unsigned GET); returns the key's owner. Raises SignatureError."""
        owners: dict[str, str] = {}

        def resolve(key_id: str, _refresh: bool) -> str | None:
            resp = requests.get(key_id.split("#", 1)[0], headers={"Accept": AP}, timeout=10)
            if resp.status_code != 200:
                return None
            key = resp.json().get("publicKey")
            if not isinstance(key, dict) or key.get("id") != key_id or key.get("owner") != resp.json().get("id"):
                return None
            owners[key_id] = key["owner"]
            return key["publicKeyPem"]

        verified = httpsig.verify_request(method, self.base + path, headers, body, resolve_key=resolve)
        # what Mastodon sends and expects: draft-cavage, rsa-sha256
        assert (verified.scheme, verified.algorithm) == ("cavage", "rsa-sha256"), verified
        return owners[verified.key_id]

    def verify_received(self, item: dict) -> str:
        return self.verify("POST", item["path"], item["headers"], item["body"])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def carol(request):
    peer = PlainActivityPubPeer("carol")
    request.addfinalizer(peer.close)
    return peer


def discover_group(node, slug: str) -> dict:
    """WebFinger then the actor document, unsigned, as any ActivityPub server would."""
    finger = requests.get(f"{node.base}/.well-known/webfinger",
                          params={"resource": f"acct:{slug}@{node.host}"}, timeout=10)
    assert finger.status_code == 200, finger.text
    assert finger.json()["subject"] == f"acct:{slug}@{node.host}"
    href = next(link["href"] for link in finger.json()["links"]
                if link.get("rel") == "self" and link.get("type") == AP)
    actor = requests.get(href, headers={"Accept": AP}, timeout=10)
    assert actor.status_code == 200, actor.text
    assert actor.headers["Content-Type"].startswith(AP)
    doc = actor.json()
    assert doc["type"] == "Group" and doc["id"] == href
    # the reverse lookup Mastodon does before trusting an actor's acct: the id finds the same subject
    reverse = requests.get(f"{node.base}/.well-known/webfinger", params={"resource": href}, timeout=10)
    assert reverse.status_code == 200, reverse.text
    assert reverse.json()["subject"] == f"acct:{doc['preferredUsername']}@{node.host}" == finger.json()["subject"]
    return doc


def create_note(peer: PlainActivityPubPeer, group_id: str, text: str) -> tuple[dict, dict]:
    note = {"id": peer.new_id("notes"), "type": "Note", "attributedTo": peer.actor,
            "to": [group_id], "content": text,
            "published": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    peer.publish(note)
    create = {"id": peer.new_id("activities"), "type": "Create", "actor": peer.actor,
              "to": [group_id], "object": note}
    return note, create


def test_a_plain_activitypub_actor_follows_posts_and_receives_announces(group, carol):
    fr, de = group["fr"], group["de"]
    slug = unique("openfedi")
    community = fr.create_community("alice", name="Open fediverse", slug=slug, openness="free",
                                    visibility="public")
    join_and_wait(fr, de, "bob", community)

    # 2. discovery, unsigned: WebFinger, then the Group's actor document
    doc = discover_group(fr, slug)
    assert doc["id"] == community["id"] and doc["inbox"] == f"{community['id']}/inbox"
    assert doc["publicKey"]["owner"] == community["id"]

    # 3. Follow → 202, then the Group's signed Accept of that Follow; carol is a member
    follow_id = carol.new_id("activities")
    sent = carol.send(doc["inbox"], {"id": follow_id, "type": "Follow", "actor": carol.actor,
                                     "object": community["id"]})
    assert sent.status_code == 202, sent.text
    accept = wait_until(lambda: carol.find(lambda a: a.get("type") == "Accept"
                                           and a.get("actor") == community["id"]),
                        message="the Group's Accept in carol's inbox")
    assert accept["headers"]["Content-Type"].startswith(AP)
    assert accept["json"]["@context"]
    assert carol.verify_received(accept) == community["id"]
    assert accept["json"]["actor"] == community["id"]
    accepted = accept["json"]["object"]
    assert (accepted if isinstance(accepted, str) else accepted["id"]) == follow_id
    if isinstance(accepted, dict):
        assert accepted["type"] == "Follow" and accepted["actor"] == carol.actor
    assert carol.actor in members(fr, slug, "alice")
    # fr resolved carol's key by a GET signed by its instance actor (authorized fetch)
    actor_fetches = [f for f in carol.fetches if f["path"] == "/users/carol"]
    assert actor_fetches
    assert f"{fr.base}/actor" in {carol.verify("GET", f["path"], f["headers"], None) for f in actor_fetches}

    # 4. Create{Note} to the Group → 202; members on fr and de see it through their node
    text = f"Hello from a plain ActivityPub server {uuid.uuid4().hex}"
    note, create = create_note(carol, community["id"], text)
    sent = carol.send(doc["inbox"], create)
    assert sent.status_code == 202, sent.text
    for node, user in ((fr, "alice"), (de, "bob")):
        seen = wait_until(lambda node=node, user=user: inbox_object(node, user, note["id"]),
                          message=f"carol's note in {user}'s inbox")
        assert seen["content"] == text and seen["attributedTo"] == carol.actor
    assert fr.db.community_posts.find_one({"_id": note["id"]})["author"] == carol.actor

    # 5. bob posts to the community; carol receives the Group's signed Announce of it
    bob_text = f"Welcome, carol {uuid.uuid4().hex}"
    bobs = post_to(de, "bob", community, bob_text)
    announce = wait_until(lambda: carol.find(
        lambda a: a.get("type") == "Announce" and isinstance(a.get("object"), dict)
        and a["object"].get("id") == bobs["id"]), message="the Group's Announce of bob's post at carol's")
    assert carol.verify_received(announce) == community["id"]
    assert announce["headers"]["Content-Type"].startswith(AP)
    body = announce["json"]
    assert body["actor"] == community["id"] and body["@context"]
    assert body["object"]["type"] == "Create" and body["object"]["actor"] == de.actor("bob")
    embedded = body["object"]["object"]
    assert isinstance(embedded, dict)
    assert embedded["id"] == bobs["object"]["id"] and embedded["type"] == "Note"
    assert embedded["content"] == bobs["object"]["content"]
    assert embedded["attributedTo"] == de.actor("bob")
    # carol never got her own post back
    assert carol.find(lambda a: a.get("type") == "Announce" and isinstance(a.get("object"), dict)
                      and a["object"].get("id") == create["id"]) is None


def test_a_post_to_a_public_community_it_did_not_join_is_refused(group, carol):
    fr = group["fr"]
    slug = unique("notjoined")
    community = fr.create_community("alice", name="Not joined", slug=slug, openness="free",
                                    visibility="public")
    doc = discover_group(fr, slug)
    note, create = create_note(carol, community["id"], f"I never joined {uuid.uuid4().hex}")
    sent = carol.send(doc["inbox"], create)
    assert sent.status_code == 202, sent.text  # accepted for processing, like any delivery
    wait_until(lambda: processed_on(fr, create["id"]), message="fr to process carol's post")
    assert fr.db.community_posts.find_one({"_id": note["id"]}) is None
    assert inbox_object(fr, "alice", note["id"]) is None
    assert carol.actor not in members(fr, slug, "alice")

