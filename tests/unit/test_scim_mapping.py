"""SCIM ↔ Account mapping rules that need no database: the issuer of provisioned
accounts, the display name chosen from displayName / name, what is kept as given."""

from __future__ import annotations

import json

import pytest

from fedkit.rules.registry import write_registry
from fedkit.runtime.config import Config
from services.identity.scim import build_provider
from services.identity.scim_backend import _display_name, _stored_attributes, scim_issuer

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture(scope="module")
def model():
    return build_provider().model_for("User")


def test_published_user_schema_is_what_the_node_keeps():
    provider = build_provider()
    user = next(s for s in provider.schemas if s.id.endswith("core:2.0:User"))
    attributes = {a.name: a for a in user.attributes}
    assert "password" not in attributes and "groups" not in attributes
    assert attributes["userName"].mutability.value == "immutable"
    assert attributes["active"].required
    assert provider.config.bulk.supported is False and provider.config.filter.supported
    assert [rt.endpoint for rt in provider.resource_types] == ["/Users"]


def test_issuer_is_the_providers_issuer_or_scim(tmp_path):
    assert scim_issuer(Config(group_registry="")) == "scim"
    registry = tmp_path / "registry.json"
    write_registry(registry, "g", [("fr", "http://fr.test")],
                   identity_provider="https://idp.test/realms/g/.well-known/openid-configuration")
    # What the ID token's iss says, as sign-in keys accounts (OpenID Connect Discovery §4.3).
    assert scim_issuer(Config(group_registry=str(registry))) == "https://idp.test/realms/g"


def test_display_name_at_creation(model):
    assert _display_name(model(user_name="a", display_name="Ann", name={"formatted": "A. N."}), None) == "Ann"
    assert _display_name(model(user_name="a", name={"formatted": "A. N."}), None) == "A. N."
    assert _display_name(model(user_name="a", name={"givenName": "Ann", "familyName": "Nu"}), None) == "Ann Nu"
    assert _display_name(model(user_name="a"), None) == ""
    assert len(_display_name(model(user_name="a", display_name="x" * 500), None)) == 200


def test_display_name_follows_what_changed(model):
    current = model(user_name="a", display_name="Ann", name={"formatted": "Ann"})
    assert _display_name(model(user_name="a", display_name="Ann", name={"formatted": "Anna"}), current) == "Anna"
    assert _display_name(model(user_name="a", display_name="Annie", name={"formatted": "Ann"}), current) == "Annie"
    assert _display_name(model(user_name="a", display_name="Annie", name={"formatted": "Anna"}), current) == "Annie"
    assert _display_name(model(user_name="a", display_name="Ann"), current) == ""  # name removed
    assert _display_name(model(user_name="a", name={"formatted": "Ann"}), current) == ""  # displayName removed


def test_stored_attributes_leave_out_what_account_fields_hold(model):
    user = model.model_validate({
        "userName": "ann", "externalId": "e-1", "displayName": "Ann", "active": True, "title": "Welder",
        "name": {"formatted": "Ann", "givenName": "Ann"}, "emails": [{"value": "ann@corp.test", "primary": True}],
        ENTERPRISE: {"department": "R&D"},
    })
    stored = json.loads(_stored_attributes(user))
    assert stored == {"title": "Welder", "name": {"givenName": "Ann"},
                      "emails": [{"value": "ann@corp.test", "primary": True}], ENTERPRISE: {"department": "R&D"}}
    assert _stored_attributes(model(user_name="bob", active=True, display_name="Bob")) is None
