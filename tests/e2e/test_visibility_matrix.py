"""The visibility matrix, on real nodes: every community visibility × openness ×
requester kind × path, with exact status codes and bodies.

Requesters: a member on the community's node (amelie@fr) and on another member node
(bob@de); a non-member employee on the same node (alain@fr) and on another member
node (berta@de); a partner (paula@partner, outside the group); anonymous. Local users
use their bearer token; remote users sign as themselves, exactly what their home
node's proxy sends. What may not be seen answers as what does not exist.
"""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
import requests

from fedkit.runtime.config import Config
from fedkit.runtime.http import signed_get, signed_post
from tests.e2e.community_support import join, membership_state, post_to
from tests.plugin import wait_until

VISIBILITIES = ("public", "group", "node", "members")
OPENNESS = ("free", "open", "closed")
REQUESTERS = ("member_local", "member_remote", "employee_same_node", "employee_other_node", "partner",
              "anonymous")
WHO = {"member_local": ("fr", "amelie"), "member_remote": ("de", "bob"), "employee_same_node": ("fr", "alain"),
       "employee_other_node": ("de", "berta"), "partner": ("partner", "paula"), "anonymous": (None, None)}
SIGNING = Config(dev_mode=True, http_timeout=30)


def expected_visible(visibility: str, requester: str) -> bool:
    """The policy, as a table: members see everything; the rest by visibility. bob
    cannot join a node-only community of fr: there he is an employee of another node."""
    if requester == "member_remote" and visibility == "node":
        requester = "employee_other_node"
    if requester.startswith("member"):
        return True
    return {"employee_same_node": ("public", "group", "node"), "employee_other_node": ("public", "group"),
            "partner": ("public",), "anonymous": ("public",)}[requester].__contains__(visibility)


def _membership_flow(fr, node, user, community, visibility, openness):
    actor = node.actor(user)
    manage = f"/communities/{community['slug']}/members"
    if visibility == "members" or openness == "closed":  # hidden or closed: by invitation
        assert fr.api("POST", manage, "alice", json={"action": "invite", "actor": actor}).status_code == 200
        join(node, user, community)
    elif openness == "open":
        join(node, user, community)
        wait_until(lambda: membership_state(fr, community["slug"], actor) == "pending", message="pending")
        assert fr.api("POST", manage, "alice", json={"action": "approve", "actor": actor}).status_code == 200
    else:
        join(node, user, community)
    wait_until(lambda: membership_state(fr, community["slug"], actor) == "member", message=f"{user} member")
    wait_until(lambda: node.db.follows.find_one({"follower": actor, "followee": community["id"],
                                                 "state": "accepted"}), message=f"{user}'s node told")


@pytest.fixture(scope="module")
def matrix(group):
    """Twelve communities of alice@fr, one per visibility × openness, each with amelie
    (and bob, unless the community is node-only) as members, a post by amelie and
    alice's reply to it."""
    fr, de = group["fr"], group["de"]
    run = uuid.uuid4().hex[:6]
    built = {}
    for visibility, openness in itertools.product(VISIBILITIES, OPENNESS):
        name = f"Matrix {visibility} {openness} {run}"
        community = fr.create_community("alice", name=name, slug=f"m_{visibility}_{openness}_{run}",
                                        visibility=visibility, openness=openness, tags=[f"matrix{run}"])
        _membership_flow(fr, fr, "amelie", community, visibility, openness)
        if visibility != "node":
            _membership_flow(fr, de, "bob", community, visibility, openness)
        post = post_to(fr, "amelie", community, f"post in {name}")["object"]
        reply = post_to(fr, "alice", community, f"reply in {name}", inReplyTo=post["id"])["object"]
        wait_until(lambda c=community, r=reply: fr.db.community_posts.find_one({"_id": r["id"]}),
                   message="the reply to be accepted")
        built[(visibility, openness)] = {"community": community, "name": name, "post": post, "reply": reply}
    return built


class Requester:
    """One requester kind, making requests to fr the way it really would."""

    def __init__(self, group, kind: str):
        self.kind = kind
        node_name, self.user = WHO[kind]
        self.node = group[node_name] if node_name else None
        self.fr = group["fr"]
        self.local = node_name == "fr"
        if self.node is not None and not self.local:
            actor = self.node.actor(self.user)
            key = self.node.db.actor_keys.find_one({"_id": actor})
            self.key_id, self.private_pem = key["key_id"], key["private_pem"]

    def get(self, path: str, **params) -> requests.Response:
        url = self.fr.base + path
        if self.local:
            return self.fr.api("GET", path, self.user, params=params,
                               headers={"Accept": "application/activity+json"})
        if self.node is None:
            return requests.get(url, params=params, headers={"Accept": "application/activity+json"})
        if params:
            url = requests.Request("GET", url, params=params).prepare().url
        resp = signed_get(url, SIGNING, key_id=self.key_id, private_pem=self.private_pem)
        resp.content  # noqa: B018  (read the streamed body)
        return resp

    def deliver(self, path: str, activity: dict) -> requests.Response:
        body = json.dumps(activity).encode()
        if self.node is None:
            return requests.post(self.fr.base + path, data=body,
                                 headers={"Content-Type": "application/activity+json"})
        if self.local:  # a local actor's own signature (as its outbox would sign)
            key = self.fr.db.actor_keys.find_one({"_id": self.fr.actor(self.user)})
            return signed_post(self.fr.base + path, body, SIGNING, key_id=key["key_id"],
                               private_pem=key["private_pem"])
        return signed_post(self.fr.base + path, body, SIGNING, key_id=self.key_id, private_pem=self.private_pem)

    @property
    def actor(self) -> str | None:
        return self.node.actor(self.user) if self.node else None


CASES = [(v, o, r) for v in VISIBILITIES for o in OPENNESS for r in REQUESTERS]


@pytest.mark.parametrize(("visibility", "openness", "requester"), CASES,
                         ids=[f"{v}-{o}-{r}" for v, o, r in CASES])
def test_visibility_matrix(group, matrix, visibility, openness, requester):
    built = matrix[(visibility, openness)]
    community, slug, post = built["community"], built["community"]["slug"], built["post"]
    who = Requester(group, requester)
    visible = expected_visible(visibility, requester)
    missing = f"nosuch_{uuid.uuid4().hex[:8]}"

    def same_as_missing(resp, missing_resp):
        assert resp.status_code == 404, f"{requester} got {resp.status_code}: {resp.text[:200]}"
        assert resp.json() == missing_resp.json()

    # listing and search: present exactly when visible
    listing = who.get("/communities")
    assert listing.status_code == 200
    assert (community["id"] in [c["id"] for c in listing.json()["items"]]) is visible
    search = who.get("/communities", q=built["name"])
    assert search.status_code == 200
    assert [c["id"] for c in search.json()["items"]] == ([community["id"]] if visible else [])

    # WebFinger is unsigned by nature: it names public communities to anyone, others
    # only to the node's own users allowed to see them (token).
    webfinger = who.get("/.well-known/webfinger", resource=f"acct:{slug}@{who.fr.host}")
    finger_visible = visibility == "public" or (who.local and visible)
    if finger_visible:
        assert webfinger.status_code == 200 and webfinger.json()["links"][0]["href"] == community["id"]
    else:
        same_as_missing(webfinger, who.get("/.well-known/webfinger", resource=f"acct:{missing}@{who.fr.host}"))

    # the Group actor, its followers (members), the post and its replies
    paths = {
        "actor": (f"/communities/{slug}", f"/communities/{missing}", {}),
        "followers": (f"/communities/{slug}/followers", f"/communities/{missing}/followers", {}),
        "replies": (f"/communities/{slug}/posts", f"/communities/{missing}/posts", {"replies_to": post["id"]}),
        "post": (post["id"].replace(who.fr.base, ""), f"/objects/{uuid.uuid4().hex}", {}),
    }
    for what, (path, missing_path, params) in paths.items():
        resp = who.get(path, **params)
        if visible:
            assert resp.status_code == 200, f"{what} for {requester}: {resp.status_code} {resp.text[:200]}"
        else:
            same_as_missing(resp, who.get(missing_path, **params))
    if visible:
        assert who.get(f"/communities/{slug}").json()["type"] == "Group"
        assert group["fr"].actor("amelie") in who.get(f"/communities/{slug}/followers").json()["orderedItems"]
        replies = who.get(f"/communities/{slug}/posts", replies_to=post["id"]).json()["orderedItems"]
        assert [r["id"] for r in replies] == [built["reply"]["id"]]
        assert who.get(post["id"].replace(who.fr.base, "")).json()["id"] == post["id"]

    # delivery to the Group's inbox: signed, and only by someone who may see it
    if who.actor is None:
        assert who.deliver(f"/communities/{slug}/inbox", {"type": "Like"}).status_code == 401
    else:
        like = {"id": f"{who.actor}#likes/{uuid.uuid4().hex}", "type": "Like", "actor": who.actor,
                "object": post["id"]}
        resp = who.deliver(f"/communities/{slug}/inbox", like)
        if visible:
            assert resp.status_code == 202, resp.text
        else:
            same_as_missing(resp, who.deliver(f"/communities/{missing}/inbox", {**like, "id": like["id"] + "x"}))


@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_content_is_delivered_only_to_member_nodes(group, matrix, visibility):
    """What the Group distributes goes to its members' nodes only: de (bob) unless the
    community is node-only; never partner."""
    fr, de = group["fr"], group["de"]
    for openness in OPENNESS:
        community = matrix[(visibility, openness)]["community"]
        sent = [a["_id"] for a in fr.db.outbox_activities.find({"actor": community["id"]})]
        assert sent, "the Group sent its Accepts and Announces"
        hosts = {d["host"] for d in fr.db.deliveries.find({"activity_id": {"$in": sent}})}
        assert hosts == (set() if visibility == "node" else {de.host})


def test_another_actor_of_a_members_node_is_not_enough(group, matrix):
    """A hidden community's content is served on an actor-level signature of a member
    only: bob is a member, but de's instance actor (same node) gets what a stranger gets.
    It may read the Group's actor document alone: de delivers bob's posts to the Group
    and checks the Group's signatures on what it receives."""
    fr, de = group["fr"], group["de"]
    built = matrix[("members", "closed")]
    slug, post = built["community"]["slug"], built["post"]
    key = de.db.actor_keys.find_one({"_id": f"{de.base}/actor"})

    def get(path, **params):
        url = requests.Request("GET", fr.base + path, params=params).prepare().url
        resp = signed_get(url, SIGNING, key_id=key["key_id"], private_pem=key["private_pem"])
        resp.content  # noqa: B018
        return resp

    missing = f"nosuch_{uuid.uuid4().hex[:8]}"
    for path, missing_path, params in (
            (f"/communities/{slug}/followers", f"/communities/{missing}/followers", {}),
            (f"/communities/{slug}/posts", f"/communities/{missing}/posts", {"replies_to": post["id"]}),
            (post["id"].replace(fr.base, ""), f"/objects/{uuid.uuid4().hex}", {})):
        resp, absent = get(path, **params), get(missing_path, **params)
        assert resp.status_code == 404 and resp.json() == absent.json(), path
    assert built["community"]["id"] not in [c["id"] for c in get("/communities").json()["items"]]
    assert get(f"/communities/{slug}").json()["type"] == "Group"
    # partner's instance actor hosts no member: not even the actor document
    outside = group["partner"].db.actor_keys.find_one({"_id": f"{group['partner'].base}/actor"})
    url = f"{fr.base}/communities/{slug}"
    resp = signed_get(url, SIGNING, key_id=outside["key_id"], private_pem=outside["private_pem"])
    assert resp.status_code == 404


API_REQUESTERS = ("member_local", "employee_same_node", "anonymous")  # who reaches fr's client API


@pytest.mark.parametrize(("visibility", "openness"), list(itertools.product(VISIBILITIES, OPENNESS)))
def test_the_client_api_agrees_with_the_matrix(group, matrix, visibility, openness):
    """The same post through the Mastodon client API (GET /api/v1/statuses/:id, its context):
    visible exactly to whom the ActivityPub paths show it, else the 404 of a missing status."""
    fr = group["fr"]
    built = matrix[(visibility, openness)]
    post, reply = built["post"], built["reply"]
    amelie_id = fr.api("GET", "/api/v1/accounts/verify_credentials", "amelie").json()["id"]
    own = fr.api("GET", f"/api/v1/accounts/{amelie_id}/statuses", "amelie", params={"limit": 40}).json()
    [status_id] = [s["id"] for s in own if s["uri"] == post["id"]]
    missing = fr.api("GET", "/api/v1/statuses/1")
    for requester in API_REQUESTERS:
        user = WHO[requester][1]
        visible = expected_visible(visibility, requester)
        shown = fr.api("GET", f"/api/v1/statuses/{status_id}", user)
        thread = fr.api("GET", f"/api/v1/statuses/{status_id}/context", user)
        if visible:
            assert shown.status_code == 200 and shown.json()["uri"] == post["id"], (requester, shown.text)
            assert [s["uri"] for s in thread.json()["descendants"]] == [reply["id"]]
        else:
            for resp in (shown, thread):
                assert resp.status_code == 404 and resp.json() == missing.json(), (requester, resp.text)
        # The lists: amelie's statuses, search by the post's URL and by its words, this node's stream.
        listed = {
            "account statuses": fr.api("GET", f"/api/v1/accounts/{amelie_id}/statuses", user, params={"limit": 40}),
            "search by URL": fr.api("GET", "/api/v2/search", user, params={"q": post["id"], "type": "statuses"}),
            "search by text": fr.api("GET", "/api/v2/search", user,
                                     params={"q": f"post in {built['name']}", "type": "statuses"}),
            "node stream": fr.api("GET", "/api/v1/timelines/public", user, params={"local": "true", "limit": 40}),
        }
        for what, resp in listed.items():
            assert resp.status_code == 200, (requester, what, resp.text)
            body = resp.json()
            uris = {s["uri"] for s in (body["statuses"] if isinstance(body, dict) else body)}
            if not visible:
                assert post["id"] not in uris, (requester, what)
            elif what != "node stream":  # a visible community post need not be in the node's stream
                assert post["id"] in uris, (requester, what)
