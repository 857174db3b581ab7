"""Regression tests of the 5xx the hostile-input fuzz (tests/e2e/test_hostile_input.py)
found: each service app in process, with a real database, as the gateway calls it."""

from __future__ import annotations

import json

import pytest

from fedkit.runtime.config import Config
from fedkit.runtime.internal import INTERNAL, SCOPES, SIGNER, USER, VIEWER

SECRET = "internal-secret"
BASE = "http://fr.test"
ALICE = f"{BASE}/users/alice"
REMOTE = "http://de.test/users/bob"


def config(db, infra) -> dict:
    return {"mongodb_uri": infra.mongodb_uri, "db_name": db, "dev_mode": True, "internal_secret": SECRET,
            "secret_key": "s" * 32, "base_url": BASE, "group_registry": ""}


def as_user(user: str = "alice") -> dict:
    return {INTERNAL: SECRET, USER: user, SCOPES: "read write follow", VIEWER: "local"}


def deep(depth: int) -> bytes:
    return ('{"type": "Note", "x": ' + "[" * depth + "]" * depth + "}").encode()


@pytest.fixture
def inbox(db, infra):
    from fedkit.runtime.queue import make_broker
    from services.inbox.app import create_app

    app = create_app({**config(db, infra), "redis_url": infra.redis_url, "queue_prefix": db},
                     broker=make_broker(Config(redis_url=infra.redis_url, queue_prefix=db)))
    yield app.test_client()
    app.extensions["archipel_broker"].close()


def store_intake(inbox) -> None:
    """What the inbox worker does with the intake stream (services/inbox/intake.py)."""
    from services.inbox import intake
    from services.inbox.storing import accept_batch

    app = inbox.application
    broker, cfg = app.extensions["archipel_broker"], app.config["ARCHIPEL"]
    intake.drain_once(broker.client, cfg, lambda batch: accept_batch(batch, broker), consumer="test", block_ms=10)


def deliver(inbox, raw: dict | bytes):
    body = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    return inbox.post("/inbox", data=body, content_type="application/activity+json",
                      headers={INTERNAL: SECRET, SIGNER: REMOTE, VIEWER: "member"})


def create_from(actor: str, **extra) -> dict:
    return {"id": "http://de.test/activities/1", "type": "Create", "actor": actor,
            "object": {"id": "http://de.test/objects/1", "type": "Note", "attributedTo": actor, **extra}}


def test_inbox_keeps_dollar_and_dotted_keys_losslessly(inbox):
    from services.inbox.models import InboundActivity

    raw = create_from(REMOTE, **{"$comment": {"$ref": "r", "$id": 1}, "schema.org:name": "x"})
    resp = deliver(inbox, raw)
    assert resp.status_code == 202, resp.get_data(as_text=True)  # was 500 (mongoengine refused $-keys)
    store_intake(inbox)
    assert InboundActivity.objects(activity_id=raw["id"]).first().raw == raw


@pytest.mark.parametrize("body, code", [
    (json.dumps(create_from(REMOTE, n=2**64)).encode(), "integer_out_of_range"),  # was 500 OverflowError
    (json.dumps(create_from(REMOTE, content="\ud800")).encode(), "lone_surrogate"),  # was 500 UnicodeEncodeError
    (json.dumps(create_from(REMOTE, **{"a\x00": 1})).encode(), "nul_in_key"),  # was 500 InvalidDocument
])
def test_inbox_refuses_what_it_cannot_store_with_422(inbox, body, code):
    resp = deliver(inbox, body)
    assert resp.status_code == 422 and resp.get_json()["error"] == code


def test_inbox_page_cursor_that_is_not_a_number_is_a_400(inbox):
    for cursor in ("²", "%ff", "abc", "99999999999999999999999"):  # was 500 (int field compared to text)
        resp = inbox.get(f"/users/alice/inbox?page=true&max={cursor}", headers=as_user())
        assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_cursor"
    assert inbox.get("/users/alice/inbox?page=true&max=12", headers=as_user()).status_code == 200


def test_outbox_refuses_deep_json_with_422(db, infra):
    from services.outbox.app import create_app

    client = create_app(config(db, infra), broker=object()).test_client()
    resp = client.post("/users/alice/outbox", data=deep(5000), content_type="application/activity+json",
                       headers=as_user())
    assert resp.status_code == 422 and resp.get_json()["error"] == "too_deep"  # was 500 RecursionError


@pytest.fixture
def communities(db, infra):
    from services.communities.app import create_app
    from services.communities.models import Community, Membership

    app = create_app(config(db, infra))
    Community(slug="c1", actor_id=f"{BASE}/communities/c1", name="C1", owner=ALICE, visibility="node").save()
    Membership(community="c1", actor=ALICE, role="owner", state="member").save()
    return app.test_client()


@pytest.mark.parametrize("path", ["/communities/c1/members", "/communities/c1/transfer",
                                  "/communities/c1/posts/remove"])
def test_community_endpoints_refuse_a_body_that_is_not_an_object(communities, path):
    resp = communities.post(path, data=b"[1, 2]", content_type="application/json", headers=as_user())
    assert resp.status_code == 400 and resp.get_json()["error"] == "not_an_object"  # was 500 AttributeError


def test_community_creation_refuses_deep_json(communities):
    resp = communities.post("/communities", data=deep(3000), content_type="application/json", headers=as_user())
    assert resp.status_code == 422 and resp.get_json()["error"] == "too_deep"  # was 500 RecursionError


@pytest.fixture
def identity(db, infra):
    from services.identity.app import create_app

    return create_app({**config(db, infra), "scim_token": "scim-secret"}).test_client()


def test_app_registration_refuses_deep_json(identity):
    resp = identity.post("/api/v1/apps", data=deep(3000), content_type="application/json",
                         headers={INTERNAL: SECRET})
    assert resp.status_code == 422 and resp.get_json()["error"] == "too_deep"  # was 500 RecursionError


def test_token_endpoint_refuses_deep_json_with_a_400(identity):
    # was 500: the JSON form of /oauth/token parsed its body without fedkit.protocol.jsonbody's limits
    body = b'{"grant_type": "password", "scope": ' + deep(5000) + b"}"
    resp = identity.post("/oauth/token", data=body, content_type="application/json", headers={INTERNAL: SECRET})
    assert resp.status_code == 400 and "error" in resp.get_json()

@pytest.mark.parametrize("body, scim_type", [
    (b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x", "n": 1e999}', "invalidValue"),
    (b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "\\ud800"}', "invalidValue"),
    (b'{"schemas": [', "invalidSyntax"),
])
def test_scim_refuses_json_it_cannot_keep_as_a_scim_error(identity, body, scim_type):
    resp = identity.post("/scim/v2/Users", data=body, content_type="application/scim+json",
                         headers={INTERNAL: SECRET, "Authorization": "Bearer scim-secret"})
    assert resp.status_code == 400
    assert resp.get_json()["scimType"] == scim_type
    assert "scim-secret" not in resp.get_data(as_text=True)


# -- request values never reach a query as an operator -----------------------------------

@pytest.mark.parametrize("operator", [{"$ne": ""}, {"$gt": ""}, {"$regex": ".*"}, ["x"], 7])
def test_operator_documents_match_no_post_and_no_member(communities, operator):
    from services.communities.models import CommunityPost, Membership

    CommunityPost(object_id=f"{BASE}/objects/1", community="c1", author=ALICE, raw={"type": "Note"}).save()
    Membership(community="c1", actor=f"{BASE}/users/alain", role="member", state="member").save()
    resp = communities.post("/communities/c1/posts/remove", json={"object": operator}, headers=as_user())
    assert resp.status_code == 404
    assert not CommunityPost.objects(object_id=f"{BASE}/objects/1").first().removed
    for path, body in (("/communities/c1/members", {"action": "remove", "actor": operator}),
                       ("/communities/c1/transfer", {"actor": operator})):
        assert communities.post(path, json=body, headers=as_user()).status_code == 422
    assert Membership.objects(community="c1", actor=f"{BASE}/users/alain").first().state == "member"
    assert Membership.objects(community="c1", actor=ALICE).first().role == "owner"


def test_internal_account_creation_takes_only_a_string_username(identity):
    resp = identity.post("/internal/accounts", json={"username": {"$ne": None}}, headers={INTERNAL: SECRET})
    assert resp.status_code == 422  # was 500 (AttributeError: a dict has no lower())
