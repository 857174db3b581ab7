"""The client API's Mastodon entities, field by field against Mastodon's documented shapes
(docs.joinmastodon.org/entities/Account/, Relationship/, Application/), and its plumbing:
account ids, Link-header paging, trailing slashes, errors, gateway routes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "activitypub"
BASE = "https://fr.archipel.example"
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")

# docs.joinmastodon.org/entities/Account/ — every attribute an Account always has, with
# its type (str | None: "String or null"). Optional ones (moved, suspended, limited,
# memorial) are present only when they apply.
ACCOUNT = {
    "id": str, "username": str, "acct": str, "url": str, "uri": str, "display_name": str, "note": str,
    "avatar": str, "avatar_static": str, "header": str, "header_static": str, "locked": bool,
    "fields": list, "emojis": list, "bot": bool, "group": bool, "discoverable": (bool, type(None)),
    "indexable": bool, "hide_collections": bool, "noindex": bool, "roles": list,
    "created_at": str, "last_status_at": (str, type(None)),
    "statuses_count": int, "followers_count": int, "following_count": int,
}
FIELD = {"name": str, "value": str, "verified_at": (str, type(None))}
# CredentialAccount: the Account plus source and role.
SOURCE = {"note": str, "fields": list, "privacy": str, "sensitive": bool, "language": (str, type(None)),
          "follow_requests_count": int, "discoverable": (bool, type(None)), "indexable": bool,
          "hide_collections": bool, "attribution_domains": list}
ROLE = {"id": str, "name": str, "color": str, "permissions": str, "highlighted": bool}
RELATIONSHIP = {"id": str, "following": bool, "showing_reblogs": bool, "notifying": bool,
                "languages": (list, type(None)), "followed_by": bool, "blocking": bool, "blocked_by": bool,
                "muting": bool, "muting_notifications": bool, "requested": bool, "requested_by": bool,
                "domain_blocking": bool, "endorsed": bool, "note": str}
APPLICATION = {"name": str, "website": (str, type(None)), "scopes": list, "redirect_uri": str,
               "redirect_uris": list}


def assert_shape(entity: dict, shape: dict, extra: frozenset[str] = frozenset()):
    assert set(entity) - extra == set(shape), set(entity) ^ set(shape)
    for name, kind in shape.items():
        assert isinstance(entity[name], kind), (name, entity[name])
        assert not (kind is int and isinstance(entity[name], bool)), name


def mastodon_actor() -> dict:
    return json.loads((FIXTURES / "mastodon_actor.json").read_text())


def local_person(**overrides) -> dict:
    """A local account's Person, as identity serves it (services/identity/converter.py)."""
    from services.identity.converter import person_json

    account = SimpleNamespace(username="alice", display_name="Alice Durand", summary="Welder <b>in</b> Lyon",
                              locked=False, created_at=__import__("datetime").datetime(2026, 3, 4, 15, 30))
    for key, value in overrides.items():
        setattr(account, key, value)
    config = SimpleNamespace(base_url=BASE, host="fr.archipel.example")
    return person_json(account, "PEM", config)


def test_remote_mastodon_actor_as_account():
    from services.api.converter import Counts, account

    entity = account(mastodon_actor(), account_id="110000000000000001", base_url=BASE,
                     counts=Counts(statuses=3, followers=2, following=1))
    assert_shape(entity, ACCOUNT)
    assert entity["id"] == "110000000000000001"
    assert entity["username"] == "alice"
    assert entity["acct"] == "alice@mastodon.example"  # remote: username@domain
    assert entity["url"] == "https://mastodon.example/@alice"  # the profile page, not the actor id
    assert entity["uri"] == "https://mastodon.example/users/alice"
    assert entity["display_name"] == "Alice Martin"
    assert entity["note"].startswith("<p>Platform engineer") and "<script" not in entity["note"]
    assert entity["avatar"] == entity["avatar_static"] and entity["avatar"].endswith("4b8c1e7d2f0a9e36.png")
    assert entity["header"] == entity["header_static"] and entity["header"].endswith("9d03c5a8e1f27b44.jpg")
    assert entity["locked"] is False and entity["bot"] is False and entity["group"] is False
    assert entity["discoverable"] is True and entity["indexable"] is True
    assert [f["name"] for f in entity["fields"]] == ["Blog", "Pronouns"]
    for field in entity["fields"]:
        assert_shape(field, FIELD)
    assert entity["fields"][1]["value"] == "she/her"
    # Mastodon gives the creation day at midnight UTC (AccountSerializer#created_at).
    assert entity["created_at"] == "2022-11-07T00:00:00.000Z"
    assert (entity["statuses_count"], entity["followers_count"], entity["following_count"]) == (3, 2, 1)


def test_local_person_as_account():
    from services.api.converter import account

    entity = account(local_person(), account_id="7", base_url=BASE)
    assert_shape(entity, ACCOUNT)
    assert entity["acct"] == "alice"  # local: the bare username
    assert entity["url"] == f"{BASE}/users/alice"
    assert entity["display_name"] == "Alice Durand"
    # No avatar or header of its own: the node's defaults, absolute URLs apps can load.
    assert entity["avatar"] == f"{BASE}/avatars/original/missing.png"
    assert entity["header"] == f"{BASE}/headers/original/missing.png"
    assert ISO_DATETIME.match(entity["created_at"]) and entity["created_at"] == "2026-03-04T00:00:00.000Z"
    assert entity["fields"] == [] and entity["emojis"] == [] and entity["last_status_at"] is None


@pytest.mark.parametrize(("actor_type", "bot", "group"),
                         [("Person", False, False), ("Service", True, False), ("Application", True, False),
                          ("Group", False, True)])
def test_actor_type_flags(actor_type, bot, group):
    from services.api.converter import account

    entity = account({**mastodon_actor(), "type": actor_type}, account_id="1", base_url=BASE)
    assert (entity["bot"], entity["group"]) == (bot, group)


def test_hostile_actor_fields_are_tamed():
    from services.api.converter import account

    actor = {"id": "https://evil.example/u/x", "type": "Person", "name": ["not", "a", "string"],
             "summary": '<p onclick="x()">hi<script>alert(1)</script></p>', "icon": "javascript:alert(1)",
             "published": "yesterday", "manuallyApprovesFollowers": "yes",
             "attachment": [{"type": "PropertyValue", "name": "Site", "value": "<img src=x onerror=y>"}, "junk"]}
    entity = account(actor, account_id="1", base_url=BASE)
    assert_shape(entity, ACCOUNT)
    assert entity["username"] == "x" and entity["acct"] == "x@evil.example"
    assert entity["display_name"] == "x"
    assert "script" not in entity["note"] and "onclick" not in entity["note"]
    assert entity["avatar"] == f"{BASE}/avatars/original/missing.png"
    assert entity["locked"] is False
    assert entity["created_at"] == "1970-01-01T00:00:00.000Z"
    assert entity["fields"] == [{"name": "Site", "value": "", "verified_at": None}]


def test_credential_account():
    from services.api.converter import account
    from services.api.credential_entities import credential_account

    entity = account(local_person(), account_id="7", base_url=BASE)
    creds = credential_account(entity, summary="Welder <b>in</b> Lyon &amp; Paris", roles=["node_admin"],
                               follow_requests=2)
    assert_shape(creds, ACCOUNT, extra=frozenset({"source", "role", "archipel"}))
    assert_shape(creds["source"], SOURCE)
    assert_shape(creds["role"], ROLE)
    assert creds["source"]["note"] == "Welder in Lyon & Paris"  # plain text, as the user edits it
    assert creds["source"]["privacy"] == "private"  # the node's default audience: followers only
    assert creds["source"]["follow_requests_count"] == 2
    # manage_reports (0x10), the one admin permission Archipel serves (services/api/admin_reports.py)
    assert creds["role"]["name"] == "Admin" and creds["role"]["permissions"] == "16"
    nobody = credential_account(entity, summary="", roles=[], follow_requests=0)["role"]
    assert (nobody["name"], nobody["permissions"]) == ("", "0")


@pytest.mark.parametrize(("state", "expected"), [
    ({}, {}),
    ({"following": "accepted"}, {"following": True, "showing_reblogs": True}),
    ({"following": "pending"}, {"requested": True}),
    ({"followed_by": "accepted"}, {"followed_by": True}),
    ({"followed_by": "pending"}, {"requested_by": True}),
])
def test_relationship(state, expected):
    from services.api.converter import relationship

    entity = relationship("42", state)
    assert_shape(entity, RELATIONSHIP)
    assert entity["id"] == "42"
    flags = {k: v for k, v in entity.items() if v is True}
    assert flags == expected


def test_application():
    from services.api.converter import application

    entity = application({"client_id": "secret-ish", "name": "Tusky", "website": None, "scopes": ["read"],
                          "redirect_uris": ["oauth2redirect://tusky/", "urn:ietf:wg:oauth:2.0:oob"]})
    assert_shape(entity, APPLICATION, extra=frozenset({"vapid_key"}))
    assert "client_id" not in entity and "client_secret" not in entity
    assert entity["redirect_uri"] == "oauth2redirect://tusky/ urn:ietf:wg:oauth:2.0:oob"


def test_account_numbers_are_time_ordered_64_bit_digits():
    from services.api.ids import new_number

    first, later = new_number(now_ms=1_700_000_000_000), new_number(now_ms=1_700_000_000_001)
    assert first.isdigit() and later.isdigit()
    assert int(first) < int(later) < 2**63
    assert int(new_number(now_ms=2**47 - 1)) < 2**63  # year 6429 still fits


def test_account_ids_are_stable_and_distinct(db):
    from services.api.ids import account_id, actor_of

    alice = account_id(f"{BASE}/users/alice")
    bob = account_id("https://de.archipel.example/users/bob")
    assert alice != bob
    assert account_id(f"{BASE}/users/alice") == alice
    assert actor_of(alice) == f"{BASE}/users/alice"
    assert actor_of("1") is None and actor_of("not-a-number") is None and actor_of("9" * 400) is None


@pytest.fixture
def api_app():
    from services.api.app import create_app

    app = create_app({"dev_mode": True, "base_url": BASE, "internal_secret": "s" * 20})
    return app


def internal(app, path, **kwargs):
    return app.test_client().get(path, headers={"X-Archipel-Internal": "s" * 20}, **kwargs)


def test_paths_tolerate_a_trailing_slash(api_app):
    assert internal(api_app, "/api/v1/custom_emojis").get_json() == []
    assert internal(api_app, "/api/v1/custom_emojis/").get_json() == []


def test_errors_are_mastodon_shaped(api_app):
    resp = internal(api_app, "/api/v1/nothing/here")
    assert resp.status_code == 404 and resp.get_json()["error"] == "Record not found"
    resp = internal(api_app, "/api/v1/accounts/verify_credentials")  # no user: the gateway found no token
    assert resp.status_code == 401 and isinstance(resp.get_json()["error"], str)
    resp = api_app.test_client().post("/api/v1/custom_emojis", headers={"X-Archipel-Internal": "s" * 20})
    assert resp.status_code == 405 and isinstance(resp.get_json()["error"], str)


def test_scope_is_checked(api_app):
    resp = api_app.test_client().get("/api/v1/preferences", headers={
        "X-Archipel-Internal": "s" * 20, "X-Archipel-User": "alice", "X-Archipel-Scopes": "write"})
    assert resp.status_code == 403  # read:accounts is enough: tests/unit/test_api_posting_defaults.py


def test_link_header_pagination(api_app):
    from services.api.pagination import BadPage, link_header, page_params

    with api_app.test_request_context("/api/v1/accounts/5/followers?limit=2&max_id=zz&extra=1"):
        page = page_params()
        assert (page.limit, page.max_id, page.since_id, page.min_id) == (2, "zz", None, None)
        header = link_header(["c3", "c2"])
    assert header == (f'<{BASE}/api/v1/accounts/5/followers?limit=2&extra=1&max_id=c2>; rel="next", '
                      f'<{BASE}/api/v1/accounts/5/followers?limit=2&extra=1&min_id=c3>; rel="prev"')
    with api_app.test_request_context("/x?limit=500"):
        assert page_params().limit == 80  # clamped, as Mastodon
        assert link_header([]) is None
    with api_app.test_request_context("/x?limit=abc"), pytest.raises(BadPage):
        page_params()


@pytest.mark.parametrize(("method", "path", "service"), [
    ("GET", "/api/v1/instance", "api"),
    ("GET", "/api/v1/instance/", "api"),
    ("GET", "/api/v2/instance", "api"),
    ("GET", "/api/v1/accounts/123/followers", "api"),
    ("GET", "/api/v1/apps/verify_credentials", "api"),
    ("POST", "/api/v1/statuses", "api"),
    ("DELETE", "/api/v1/statuses/123", "api"),
    ("GET", "/api/v1/timelines/public", "api"),
    ("POST", "/api/v1/accounts/123/follow", "api"),
    ("GET", "/.well-known/oauth-authorization-server", "api"),
    ("GET", "/avatars/original/missing.png", "api"),
    ("POST", "/api/v1/apps", "identity"),  # registering an app stays with identity (OAuth)
    ("POST", "/oauth/token", "identity"),
    ("GET", "/api/archipel/held", "outbox"),
])
def test_gateway_routes(method, path, service):
    from gateway.routes import IGNORED, route_for

    assert route_for(method, path) == (service, IGNORED)


def test_closed_account_shows_as_suspended():
    from services.api.converter import closed_account

    entity = closed_account(f"{BASE}/users/leaver", "leaver", account_id="9", base_url=BASE)
    assert_shape(entity, ACCOUNT, extra=frozenset({"suspended"}))
    assert entity["suspended"] is True and entity["acct"] == "leaver"
    assert entity["display_name"] == "" and entity["note"] == "" and entity["fields"] == []
