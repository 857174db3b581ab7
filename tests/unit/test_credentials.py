"""Credentials kept as digests: a node upgraded from clear storage converts its records
(deploy.migrate) and its apps and tokens keep working."""

from __future__ import annotations

import hashlib

from fedkit.runtime.config import Config
from services.identity.credentials import digest, hash_clear_credentials
from services.identity.models import OAuthClient, OAuthToken


def test_clear_records_of_an_older_node_are_converted(db, infra):
    from services.identity.accounts import create_account

    config = Config(dev_mode=True, mongodb_uri=infra.mongodb_uri, db_name=db)
    create_account(config, "alice")
    raw = OAuthClient._get_db()
    raw.oauth_clients.insert_one({"_id": "app", "client_secret": "old-secret", "client_name": "Old",
                                  "redirect_uris": [], "scope": "read"})
    raw.oauth_tokens.insert_one({"_id": "old-token", "refresh_token": "old-refresh", "client_id": "app",
                                 "username": "alice", "scope": "read", "token_type": "Bearer",
                                 "issued_at": 0, "expires_in": 0, "revoked": False})
    raw.oauth_codes.insert_one({"_id": "old-code", "client_id": "app", "username": "alice"})

    assert hash_clear_credentials(raw) == {"clients": 1, "tokens": 1, "codes": 1}
    assert hash_clear_credentials(raw) == {"clients": 0, "tokens": 0, "codes": 0}  # idempotent
    assert "old-secret" not in str(list(raw.oauth_clients.find()))
    assert raw.oauth_tokens.find_one({"_id": "old-token"}) is None
    assert OAuthClient.objects.get(client_id="app").check_client_secret("old-secret")
    token = OAuthToken.objects.get(access_token_hash=hashlib.sha256(b"old-token").hexdigest())
    assert token.refresh_token_hash == digest("old-refresh")
    assert token.username == "alice" and not token.revoked


def test_identity_takes_only_strings_where_it_queries(db, infra):
    """JSON values that are not strings never reach a query (no operator injection) and
    are a 4xx, not a 500."""
    from services.identity.app import create_app

    config = Config(dev_mode=True, mongodb_uri=infra.mongodb_uri, db_name=db)
    web = create_app(config).test_client()
    internal = {"X-Archipel-Internal": config.internal_secret}
    OAuthToken(access_token_hash=digest("real"), client_id="app", username="nobody").save()
    for odd in ({"$ne": ""}, {"$regex": "^"}, ["real"], None, 5):
        assert web.post("/internal/introspect", json={"token": odd}, headers=internal).get_json() == {"active": False}
    assert web.post("/internal/introspect", json=["real"], headers=internal).get_json() == {"active": False}
    for body in ({"username": {"$ne": ""}}, {"username": ["x"]}, ["x"], {"username": "Bad Name!"}):
        # 400 for a body that is no object (fedkit.protocol.jsonbody), 422 for a bad username
        assert web.post("/internal/accounts", json=body, headers=internal).status_code in (400, 422), body
    for body in ({"token": {"$regex": "^"}}, {"token": 5}, ["x"], {"client_id": {"$ne": ""}, "token": "x"}):
        assert web.post("/oauth/revoke", json=body, headers=internal).status_code == 400, body
        assert web.post("/oauth/token", json={"grant_type": "password", **(body if isinstance(body, dict) else {}),
                                              "username": {"$ne": ""}}, headers=internal).status_code == 400
