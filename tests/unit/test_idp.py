"""The provider's configuration, client registration rules and claims (no database)."""

from __future__ import annotations

import pytest

from services.idp.config import IdPConfig, load_config
from services.idp.directory import ACR_MFA, ACR_PWD, acr_for
from services.idp.models import Client, Employee
from services.idp.provider import user_claims


def test_config_from_env(monkeypatch):
    monkeypatch.setenv("ARCHIPEL_IDP_URL", "https://login.group.example/")
    monkeypatch.setenv("ARCHIPEL_IDP_DB", "group_directory")
    monkeypatch.setenv("MONGODB_URI", "mongodb://db.example/?replicaSet=rs0")
    monkeypatch.setenv("ARCHIPEL_IDP_LOCKOUT_AFTER", "7")
    cfg = load_config()
    assert cfg.issuer == "https://login.group.example"
    assert (cfg.db_name, cfg.mongodb_uri, cfg.lockout_after) == (
        "group_directory", "mongodb://db.example/?replicaSet=rs0", 7)
    assert cfg.with_overrides({"code_seconds": 30}).code_seconds == 30
    with pytest.raises(ValueError):
        cfg.with_overrides({"nope": 1})


def test_production_requires_https(monkeypatch):
    monkeypatch.delenv("ARCHIPEL_DEV_MODE", raising=False)
    monkeypatch.setenv("ARCHIPEL_IDP_URL", "http://127.0.0.1:8000")
    with pytest.raises(RuntimeError):
        load_config()
    assert load_config({"dev_mode": True}).issuer == "http://127.0.0.1:8000"
    with pytest.raises(RuntimeError):
        load_config(IdPConfig(base_url="https://idp.example", secret_key="short"))


def test_client_rules():
    client = Client(client_id="fr", redirect_uris=["https://fr.example/oidc/callback"])
    client.set_secret("s" * 32)
    assert client.client_secret_hash != "s" * 32
    assert client.check_client_secret("s" * 32) and not client.check_client_secret("s" * 31)
    assert not client.check_client_secret(None)
    assert client.check_redirect_uri("https://fr.example/oidc/callback")
    for uri in ("https://fr.example/oidc/callback/", "https://fr.example/oidc/callback?x=1",
                "https://evil.example/oidc/callback", "https://fr.example/oidc"):
        assert not client.check_redirect_uri(uri)
    assert client.get_default_redirect_uri() is None
    assert client.get_allowed_scope("openid email offline_access") == "openid email"
    assert client.get_allowed_scope(None) == "openid profile email"
    assert client.check_grant_type("authorization_code") and not client.check_grant_type("password")
    assert not client.check_endpoint_auth_method("none", "token")


def test_claims_follow_the_scope_and_always_carry_the_group_claims():
    berta = Employee(subject="5f0c", username="berta", name="Berta Weber", email="berta@de.example",
                     home_node="de", roles=["community_creator"])
    assert user_claims(berta, "openid") == {"sub": "5f0c", "home_node": "de", "roles": ["community_creator"]}
    assert user_claims(berta, "openid profile email") == {
        "sub": "5f0c", "home_node": "de", "roles": ["community_creator"], "name": "Berta Weber",
        "preferred_username": "berta", "email": "berta@de.example", "email_verified": True}


def test_acr_from_amr():
    assert acr_for(["pwd"]) == ACR_PWD
    assert acr_for(["pwd", "otp"]) == ACR_MFA


@pytest.mark.parametrize("argv, field", [
    (["add-client", "--client-id", "fr", "--secret", "-7dAzq1", "--redirect-uri", "http://x/cb"], "secret"),
    (["add-client", "--client-id", "fr", "--secret=-7dAzq1", "--redirect-uri", "http://x/cb"], "secret"),
    (["seed-demo", "--password", "-7dAzq1"], "password"),
    (["seed-demo", "--password", "--7dAzq1", "--mfa-secret", "ABC"], "password"),
])
def test_a_secret_starting_with_a_dash_is_a_value_not_an_option(argv, field):
    from services.idp.manage import parse_args

    assert getattr(parse_args(argv), field).endswith("7dAzq1")
