"""Hostile and odd input at every public entry, over real HTTP between real processes.

A seeded, bounded fuzz: every input path of fr and de (the shared, personal and
community inboxes with real signatures as alice@fr, the C2S outbox, WebFinger, OAuth,
SCIM, communities) gets malformed JSON, odd-but-valid JSON (integers beyond 64 bits,
``$``-keys and dotted keys, lone surrogates, NUL, deep nesting, operator documents
such as ``{"$ne": null}``), wrong types in every field, huge strings and wrong content
types. No answer may be a 5xx, the workers must apply what was accepted without a
failure, and the nodes must still work afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests

from fedkit.protocol import httpsig
from tests.plugin import find, wait_until

# Fixed, so a failure replays; ARCHIPEL_FUZZ_SEED / _REQUESTS explore further by hand.
SEED = int(os.environ.get("ARCHIPEL_FUZZ_SEED", "1313"))
REQUESTS = int(os.environ.get("ARCHIPEL_FUZZ_REQUESTS", "360"))
AS2 = "https://www.w3.org/ns/activitystreams"

ODD_VALUES = [
    2**63, -(2**63) - 1, 2**64 + 1, 10**40, float("nan"), float("inf"), 1e308, -0.0, 2**63 - 1,
    "\ud800", "a\udfffb", "nul\x00byte", "", " ", "😀" * 3, "$ne", "a.b", "https://", "http://127.0.0.1:1/x",
    {"$ne": None}, {"$gt": ""}, {"$where": "1"}, {"$regex": ".*"}, {"a.b": 1}, {"$ref": "x", "$id": 1},
    {"\x00": 1}, {"\ud800": 1}, [], {}, None, True, False, 0, -1, 3.5, [None], [[[]]], ["a", 1, {"$in": []}],
]
ODD_KEYS = ["$type", "$ne", "a.b", "schema.org:x", "$ref", "\x00", "k\x00", "\udc00", "", "@context", "_json"]
HUGE = 150_000  # under the test nodes' 200 000-byte body limit; a few go over it (413)
CONTENT_TYPES = ["text/plain", "application/x-www-form-urlencoded", "application/xml", None,
                 "application/json; charset=utf-16", "multipart/form-data; boundary=x"]


@dataclass
class Target:
    name: str
    method: str
    url: str
    template: dict
    headers: dict
    content_type: str = "application/json"
    signed: bool = False
    operators: bool = True  # may the fuzz put {"$ne": …} documents in its fields
    form: bool = False  # the endpoint also takes forms


def paths(value, prefix=()):
    """Every (path, value) in a JSON value, containers included."""
    yield prefix, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def set_path(doc, path, value):
    if not path:
        return value
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return doc


def deep(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


class Fuzzer:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def odd(self, operators: bool):
        values = ODD_VALUES if operators else [v for v in ODD_VALUES if not isinstance(v, dict) or
                                               not any(k.startswith("$") for k in v)]
        value = self.rng.choice(values)
        return json.loads(json.dumps(value))  # a fresh copy (NaN and big integers survive)

    def change(self, doc, kind: str, target: Target):
        rng = self.rng
        if kind == "odd_key":
            where = rng.choice([p for p, v in paths(doc) if isinstance(v, dict)] or [()])
            node = doc
            for step in where:
                node = node[step]
            if isinstance(node, dict):
                key = rng.choice(ODD_KEYS)
                node["a.b" if key.startswith("$") and not target.operators else key] = self.odd(target.operators)
            return doc
        path, _ = rng.choice(list(paths(doc))[1:] or [((), doc)])
        value = self.odd(target.operators) if kind == "replace" else rng.choice(
            [1, 1.5, True, None, [], {}, ["x"], "x", {"id": 5}, {"type": "Note"}, [{"id": "x"}]])
        return set_path(doc, path, value)

    def body(self, target: Target) -> tuple[bytes, str | None, str]:
        """(body, content type, what was done)."""
        rng, doc = self.rng, json.loads(json.dumps(target.template))
        if target.signed:  # a new activity each time, not a replay of the template's id
            doc["id"] = f"{doc['id'].rsplit('-', 1)[0]}-{rng.getrandbits(64):x}"
        kind = rng.choice(["replace", "replace", "replace", "odd_key", "odd_key", "deep", "truncate", "garbage",
                           "non_object", "content_type", "huge", "encoding", "retype"])
        ctype = target.content_type
        if kind in ("replace", "retype", "odd_key"):
            for _ in range(rng.choice([1, 1, 2, 3])):  # one to three changes to a valid document
                doc = self.change(doc, rng.choice(["replace", "retype", "odd_key"]) if _ else kind, target)
        elif kind == "deep":
            path, _ = rng.choice(list(paths(doc))[1:])
            doc = set_path(doc, path, "__DEEP__")
            text = json.dumps(doc).replace('"__DEEP__"', deep(rng.choice([63, 65, 100, 900, 5000])))
            return text.encode(), ctype, kind
        elif kind == "truncate":
            text = json.dumps(doc).encode()
            return text[: rng.randrange(1, len(text))], ctype, kind
        elif kind == "garbage":
            return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))), ctype, kind
        elif kind == "non_object":
            return json.dumps(rng.choice([[doc], "text", 42, None, [], 2**70])).encode(), ctype, kind
        elif kind == "content_type":
            ctype = rng.choice(CONTENT_TYPES)
        elif kind == "huge":
            path, _ = rng.choice(list(paths(doc))[1:])
            doc = set_path(doc, path, "x" * rng.choice([HUGE, 2 * HUGE]))
        elif kind == "encoding":
            text = json.dumps(doc, ensure_ascii=False)
            choice = rng.choice(["utf-16", "utf-32", "latin", "surrogate"])
            if choice == "latin":
                return text.encode("utf-8").replace(b'"', b'"\xe9', 1), ctype, kind
            if choice == "surrogate":  # a surrogate encoded as if it were a character
                return text.encode("utf-8").replace(b'"', b'"\xed\xa0\x80', 1), ctype, kind
            return text.encode(choice), ctype, kind
        return json.dumps(doc).encode(), ctype, kind


@pytest.fixture(scope="module")
def alice_key(group):
    fr = group["fr"]
    doc = fr.db.actor_keys.find_one({"_id": fr.actor("alice")})
    return doc["key_id"], doc["private_pem"]


@pytest.fixture(scope="module")
def communities(group):
    """A community on de that alice may deliver to, one on fr that alice runs."""
    fr, de = group["fr"], group["de"]
    on_de = de.create_community("bob", name="Fuzz landing", slug=f"fz_{uuid.uuid4().hex[:8]}",
                                openness="free", visibility="group")
    on_fr = fr.create_community("alice", name="Fuzz run", slug=f"fz_{uuid.uuid4().hex[:8]}",
                                openness="free", visibility="group")
    return on_de, on_fr


def signed_headers(url: str, body: bytes, key, content_type: str | None) -> dict:
    key_id, pem = key
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(httpsig.sign_request("POST", url, key_id=key_id, private_key_pem=pem, body=body))
    return headers


def targets(group, communities) -> list[Target]:
    fr, de = group["fr"], group["de"]
    on_de, on_fr = communities
    # Addressed to no one real: the fuzz leaves other tests' users, inboxes and follows alone.
    alice, nobody = fr.actor("alice"), de.actor("fuzz-nobody")

    def create() -> dict:
        note_id = f"{fr.base}/objects/fuzz-{uuid.uuid4().hex}"
        return {"@context": AS2, "id": f"{fr.base}/activities/fuzz-{uuid.uuid4().hex}", "type": "Create",
                "actor": alice, "to": [nobody], "cc": [], "object": {
                    "id": note_id, "type": "Note", "attributedTo": alice, "content": "<p>fuzz</p>",
                    "to": [nobody], "tag": [{"type": "Mention", "href": nobody, "name": "@fuzz-nobody"}]}}

    def activity(kind: str, obj, **extra) -> dict:
        return {"@context": AS2, "id": f"{fr.base}/activities/fuzz-{uuid.uuid4().hex}", "type": kind,
                "actor": alice, "object": obj, "to": [nobody], **extra}

    nothing = f"{de.base}/objects/fuzz-none"
    inbound = [create(), activity("Like", nothing), activity("Announce", nothing),
               activity("Follow", nobody), activity("Undo", activity("Follow", nobody)),
               activity("Update", {**create()["object"], "content": "edited"}),
               activity("Delete", {"id": create()["object"]["id"], "type": "Tombstone"}),
               activity("Accept", activity("Follow", nobody)), activity("Invite", on_de["id"], target=nobody),
               activity("Flag", [nobody], content="spam")]
    ap = "application/activity+json"
    c2s = fr.auth("alice")
    scim = {"Authorization": f"Bearer {fr.scim_token}"}
    app = fr.http.post(f"{fr.base}/api/v1/apps", data={"client_name": "fuzz", "scopes": "read"}).json()
    own_note = fr.publish("alice", {"type": "Note", "content": "to be fuzzed", "to": [nobody]})
    own_like = fr.publish("alice", {"type": "Like", "object": own_note["object"]["id"]})
    outbound = [
        {"type": "Note", "content": "fuzz", "to": [nobody], "tag": [{"type": "Hashtag", "name": "#fz"}],
         "inReplyTo": None, "summary": "s", "sensitive": False, "contentMap": {"en": "fuzz"}},
        {"type": "Like", "object": f"{de.base}/objects/nothing", "to": [nobody]},
        {"type": "Announce", "object": own_note["object"]["id"], "to": [nobody]},
        {"type": "Follow", "object": f"{de.base}/users/nobody"},
        {"type": "Undo", "object": own_like["id"]},
        {"type": "Update", "object": {"id": own_note["object"]["id"], "content": "edited", "tag": []}},
        {"type": "Accept", "object": f"{de.base}/activities/none"},
        {"type": "Create", "object": {"type": "Article", "name": "n", "content": "c"}, "to": [nobody]},
    ]
    return [
        *(Target(f"shared inbox {t['type']}", "POST", f"{de.base}/inbox", t, {}, ap, signed=True) for t in inbound),
        Target("personal inbox", "POST", f"{de.actor('berta')}/inbox", create(), {}, ap, signed=True),
        Target("community inbox", "POST", f"{on_de['id']}/inbox",
               {**create(), "to": [on_de["id"]]}, {}, ap, signed=True),
        *(Target(f"C2S outbox {t['type']}", "POST", f"{alice}/outbox", t, c2s, ap) for t in outbound),
        Target("apps", "POST", f"{fr.base}/api/v1/apps",
               {"client_name": "fuzz", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read",
                "website": "https://example.com"}, {}, form=True),
        Target("status", "POST", f"{fr.base}/api/v1/statuses",
               {"status": "fuzz @alice", "visibility": "direct", "spoiler_text": "s", "sensitive": "true",
                "language": "en"}, c2s, form=True),
        Target("token", "POST", f"{fr.base}/oauth/token",
               {"grant_type": "password", "username": "alice", "password": "not-her-password",
                "client_id": app["client_id"], "client_secret": app["client_secret"], "scope": "read"},
               {}, form=True),
        # /oauth/revoke's operator injection is another change's (it would revoke a real token here).
        Target("revoke", "POST", f"{fr.base}/oauth/revoke", {"token": "not-a-token"}, {},
               operators=False, form=True),
        Target("SCIM users", "POST", f"{fr.base}/scim/v2/Users",
               {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "fuzz.user",
                "name": {"givenName": "F", "familyName": "Z"}, "displayName": "F Z", "active": True,
                "emails": [{"value": "fz@example.com", "primary": True}]}, scim, "application/scim+json"),
        Target("community create", "POST", f"{fr.base}/communities",
               {"name": "Fuzzed", "slug": "fuzzed", "openness": "free", "visibility": "group",
                "purpose": "social", "posting": "members", "tags": ["fz"], "description": "d",
                "admits_partners": False}, c2s),
        Target("community settings", "PATCH", f"{fr.base}/communities/{on_fr['slug']}",
               {"name": "Fuzz run", "description": "d", "tags": ["fz"], "openness": "free",
                "admits_partners": False}, c2s),
        Target("community members", "POST", f"{fr.base}/communities/{on_fr['slug']}/members",
               {"action": "invite", "actor": fr.actor("fuzz-nobody"), "role": "moderator"}, c2s),
        Target("community transfer", "POST", f"{fr.base}/communities/{on_fr['slug']}/transfer",
               {"actor": fr.actor("alain")}, c2s),
        Target("community moderation", "POST", f"{fr.base}/communities/{on_fr['slug']}/posts/remove",
               {"object": f"{fr.base}/objects/none"}, c2s),
    ]


WEBFINGER = ["acct:alice@{host}", "acct:%00@{host}", "acct:%ff%fe@{host}", "acct:$ne@{host}", "acct:a.b@{host}",
             "acct:" + "x" * 5000 + "@{host}", "%ED%A0%80", "acct:alice@{host}%00", "{{\"$ne\":null}}",
             "https://{host}/users/alice", "https://{host}/communities/%2e%2e", "acct:", "@", "acct:@{host}"]


QUERY_VALUES = ["99999999999999999999999", "-1", "²", "١٢٣", "%00", "%ff", "%ED%A0%80", "x" * 3000, "",
                "%24ne", "a.b", "https://{host}/users/alice", "1e5", "0x10", "true", "[]", "%7B%22%24ne%22:1%7D"]


def collection_urls(group, communities) -> list[tuple[str, dict]]:
    """Paged collections and listings whose query strings reach database queries."""
    fr, de = group["fr"], group["de"]
    _, on_fr = communities
    alice = fr.actor("alice")
    alice_id = fr.api("GET", "/api/v1/accounts/verify_credentials", "alice").json()["id"]
    return [(f"{alice}/inbox?page=true&max={{v}}", fr.auth("alice")), (f"{alice}/followers?page=true&max={{v}}", {}),
            (f"{alice}/following?page={{v}}&max={{v}}", {}), (f"{alice}/outbox?page=true&max={{v}}", {}),
            (f"{de.actor('bob')}/outbox?page=true&max={{v}}", {}),
            (f"{fr.base}/communities/{on_fr['slug']}/posts?replies_to={{v}}", fr.auth("alice")),
            (f"{fr.base}/communities/{on_fr['slug']}/followers?page=true&max={{v}}", fr.auth("alice")),
            (f"{fr.base}/communities?tag={{v}}&purpose={{v}}&q={{v}}", fr.auth("alice")),
            (f"{fr.base}/api/archipel/held?state={{v}}", fr.auth("alice")),
            # The client API (services/api): ids, cursors, limits and accts from the query string.
            (f"{fr.base}/api/v1/accounts/{alice_id}/followers?max_id={{v}}&limit={{v}}", {}),
            (f"{fr.base}/api/v1/accounts/{alice_id}/following?min_id={{v}}&since_id={{v}}", {}),
            (f"{fr.base}/api/v1/accounts/lookup?acct={{v}}", {}),
            (f"{fr.base}/api/v1/accounts/relationships?id[]={{v}}&id={{v}}", fr.auth("alice")),
            (f"{fr.base}/api/v1/accounts/{{v}}", fr.auth("alice")),
            (f"{fr.base}/api/v1/accounts/{alice_id}/statuses?max_id={{v}}&exclude_replies={{v}}", fr.auth("alice")),
            (f"{fr.base}/api/v1/statuses/{{v}}", fr.auth("alice")),
            (f"{fr.base}/api/v1/statuses/{{v}}/context", {}),
            (f"{fr.base}/api/v1/timelines/home?max_id={{v}}&limit={{v}}", fr.auth("alice")),
            (f"{fr.base}/api/v1/timelines/home?min_id={{v}}&since_id={{v}}", fr.auth("alice")),
            (f"{fr.base}/api/v1/timelines/public?local={{v}}&since_id={{v}}", {}),
            (f"{fr.base}/api/v1/timelines/public?min_id={{v}}&limit={{v}}", fr.auth("alice"))]


def send(target: Target, body: bytes, content_type: str | None, key, rng: random.Random) -> requests.Response:
    headers = dict(target.headers)
    if target.form and rng.random() < 0.25 and content_type == target.content_type:
        try:  # the same fields as a form, odd values and all
            fields = json.loads(body)
        except (ValueError, RecursionError):
            fields = None
        if isinstance(fields, dict):
            body = "&".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}" for k, v in fields.items()
                            if "\ud800" not in str(k) + str(v) and "\udfff" not in str(k) + str(v)
                            and "\udc00" not in str(k) + str(v)).encode()
            content_type = "application/x-www-form-urlencoded"
    if target.signed:
        headers.update(signed_headers(target.url, body, key, content_type))
    elif content_type:
        headers["Content-Type"] = content_type
    return requests.request(target.method, target.url, data=body, headers=headers, timeout=60)


def test_hostile_input_gets_4xx_never_5xx_and_the_nodes_keep_working(group, alice_key, communities):
    fr, de = group["fr"], group["de"]
    rng = random.Random(SEED)
    fuzzer = Fuzzer(rng)
    all_targets = targets(group, communities)
    queries = collection_urls(group, communities)
    failures, accepted, statuses = [], 0, {}
    started = dt.datetime.now(dt.UTC)
    for number in range(REQUESTS):
        if number % 12 == 0:
            resource = rng.choice(WEBFINGER).format(host=fr.host)
            resp = requests.get(f"{fr.base}/.well-known/webfinger?resource={resource}", timeout=30)
            name, what, body = "webfinger", resource[:80], b""
        elif number % 12 in (5, 9):
            url, headers = rng.choice(queries)
            value = rng.choice(QUERY_VALUES).format(host=fr.host)
            resp = requests.get(url.format(v=value), headers=headers, timeout=30)
            name, what, body = "query", url.format(v=value)[:120], b""
        else:
            target = rng.choice(all_targets)
            body, content_type, what = fuzzer.body(target)
            resp = send(target, body, content_type, alice_key, rng)
            name = target.name
            accepted += target.signed and resp.status_code == 202
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        if resp.status_code >= 500:
            failures.append((name, what, resp.status_code, resp.text[:200], body[:300]))
    print(f"statuses: {statuses}")
    assert not failures, f"{len(failures)} 5xx answers (statuses {statuses}):\n" + \
        "\n".join(repr(f) for f in failures)
    assert sum(n for s, n in statuses.items() if 400 <= s < 500) > REQUESTS // 2, statuses

    # What de accepted (from alice, since the fuzz began), its workers applied without a failure.
    fuzzed = {"signer": fr.actor("alice"), "received_at": {"$gte": started - dt.timedelta(seconds=1)}}
    assert accepted and de.db.inbound_activities.count_documents(fuzzed)
    wait_until(lambda: not de.db.inbound_activities.count_documents({**fuzzed, "state": "received", "error": None}),
               timeout=60, message="the accepted fuzz activities to be processed")
    # "ignored" with its reason is a refusal by design (a Flag naming nothing here), not a failure
    failed = list(de.db.inbound_activities.find({**fuzzed, "$or": [
        {"state": "failed"}, {"error": {"$ne": None}, "state": {"$ne": "ignored"}}]}, {"error": 1, "activity_type": 1}))
    assert not failed, failed

    # Every node still answers and federates.
    for node in (fr, de):
        links = node.http.get(f"{node.base}/.well-known/nodeinfo", timeout=10).json()["links"]
        assert node.http.get(links[0]["href"], timeout=10).status_code == 200
    create = fr.publish("alice", {"type": "Note", "content": "still here", "to": [de.actor("bob")]})
    wait_until(lambda: find(de.inbox("bob"), create["id"]), message="a normal post to still federate")


def test_odd_but_legal_keys_from_a_remote_server_are_kept_and_shown_unchanged(group, alice_key):
    """A Create whose object carries ``$``-keys, dotted keys and ``{"$ref", "$id"}`` (legal
    JSON-LD that MongoDB restricts) is accepted, stored, and shown in the inbox as sent."""
    fr, de = group["fr"], group["de"]
    alice, bob = fr.actor("alice"), de.actor("bob")
    note = {"id": f"{fr.base}/objects/odd-{uuid.uuid4().hex}", "type": "Note", "attributedTo": alice,
            "content": "odd keys", "to": [bob],
            "$comment": {"$ref": "https://example.com/r", "$id": 7}, "schema.org:name": "dotted",
            "tag": [{"type": "Mention", "href": bob, "name": "@bob", "$extra": {"a.b": [1, {"$x": None}]}}]}
    activity = {"@context": AS2, "id": f"{fr.base}/activities/odd-{uuid.uuid4().hex}", "type": "Create",
                "actor": alice, "to": [bob], "object": note, "$signedBy": "https://x.example"}
    url = f"{de.actor('bob')}/inbox"
    body = json.dumps(activity).encode()
    resp = requests.post(url, data=body, headers=signed_headers(url, body, alice_key,
                                                                   "application/activity+json"))
    assert resp.status_code == 202, resp.text
    shown = wait_until(lambda: find(de.inbox("bob"), activity["id"]), message="the odd Create in bob's inbox")
    assert shown["object"] == note
    assert {k: v for k, v in shown.items() if k != "object"} == \
        {k: v for k, v in activity.items() if k not in ("object", "@context")}  # items go without a context


def test_odd_keys_posted_by_a_client_are_served_and_federated_unchanged(group):
    """The same keys in a C2S post: stored by the outbox, served at the object's id and
    delivered to bob on de as posted."""
    fr, de = group["fr"], group["de"]
    extra = {"$comment": {"$ref": "https://example.com/r", "$id": 7}, "schema.org:name": "dotted",
             "attachment": [{"type": "PropertyValue", "name": "a.b", "$value": {"c.d": [1, None]}}]}
    create = fr.publish("alice", {"type": "Note", "content": "odd keys from a client", "to": [de.actor("bob")],
                                  **extra})
    note = create["object"]
    assert {k: note[k] for k in extra} == extra
    served = fr.api("GET", note["id"].removeprefix(fr.base), "alice",
                    headers={"Accept": "application/activity+json"})
    assert served.status_code == 200 and {k: served.json().get(k) for k in extra} == extra
    arrived = wait_until(lambda: find(de.inbox("bob"), create["id"]), message="the post in bob's inbox")
    assert {k: arrived["object"].get(k) for k in extra} == extra
