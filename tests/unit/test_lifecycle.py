"""Account closure on the node that hosts the account (services/identity/lifecycle.py):
tokens, codes and web sessions, the actor document, the federated Update, the audit
trail, idempotence and a retry when the outbox could not be reached."""

from __future__ import annotations

import re

import pytest
import requests

from fedkit.rules.registry import write_registry
from fedkit.runtime.config import Config
from services.identity import lifecycle
from services.identity.accounts import create_account
from services.identity.credentials import digest
from services.identity.lifecycle import AccountChange, AnnounceError, deactivate, reactivate
from services.identity.models import Account, OAuthClient, OAuthCode, OAuthToken

FR, DE = "http://fr.test", "http://de.test"
ALICE = f"{FR}/users/alice"
OOB = "urn:ietf:wg:oauth:2.0:oob"
INTERNAL = {"X-Archipel-Internal": "change-me"}


class FakeInternal:
    """The inbox and outbox as identity sees them: followers in, published activities out."""

    def __init__(self, followers=(), fail: bool = False):
        self.followers = list(followers)
        self.fail = fail
        self.sent: list[dict] = []

    def get_json(self, service, path, **kwargs):
        assert (service, path) == ("inbox", "/internal/users/alice/followers")
        return {"followers": self.followers}

    def post_json(self, service, path, payload, **kwargs):
        if self.fail:
            raise requests.ConnectionError("outbox down")
        assert (service, path) == ("outbox", "/internal/actors/send")
        self.sent.append(payload)
        return {"id": payload["activity"]["id"]}


@pytest.fixture
def config(db, infra, tmp_path):
    # ``hide``: a closed account shows nothing (``keep``, the default, has its own tests below)
    registry = tmp_path / "registry.json"
    write_registry(registry, "test", [("fr", FR), ("de", DE)], departed_content="hide")
    return Config(base_url=FR, dev_mode=True, mongodb_uri=infra.mongodb_uri, db_name=db,
                  password_login=True, group_registry=str(registry))


@pytest.fixture
def internal(monkeypatch):
    fake = FakeInternal(followers=[f"{DE}/users/bob", f"{FR}/users/alain", "http://partner.test/users/paula"])
    monkeypatch.setattr(lifecycle, "InternalClient", lambda config: fake)
    return fake


@pytest.fixture
def alice(config):
    account = create_account(config, "alice", display_name="Alice", password="pw", summary="Plant manager")
    create_account(config, "alain", password="pw")
    for value, owner in (("t1", "alice"), ("t2", "alice"), ("t3", "alain")):
        OAuthToken(access_token_hash=digest(value), client_id="c", username=owner, scope="read").save()
    OAuthCode(code_hash=digest("code1"), client_id="c", username="alice").save()
    return account


def test_deactivate_closes_everything_and_federates_once(config, internal, alice):
    deactivate(config, alice, by="admin:root")
    assert alice.suspended and alice.suspended_at is not None and alice.sessions_valid_after is not None
    assert not alice.suspension_unannounced
    assert {t.access_token_hash for t in OAuthToken.objects(revoked=True)} == {digest("t1"), digest("t2")}
    assert OAuthCode.objects(username="alice").count() == 0

    [sent] = internal.sent
    update, person = sent["activity"], sent["activity"]["object"]
    assert (update["type"], update["actor"], update["id"].startswith(f"{FR}/activities/")) == ("Update", ALICE, True)
    assert person["id"] == ALICE and person["type"] == "Person" and person["suspended"] is True
    # nothing of the closed profile, but what a server needs to recognise the actor
    assert (person["name"], person["summary"]) == ("alice", "")
    assert person["publicKey"]["owner"] == ALICE and person["inbox"] == f"{ALICE}/inbox"
    # remote followers and the other member node's instance actor; never this node
    assert sent["recipients"] == [f"{DE}/users/bob", "http://partner.test/users/paula", f"{DE}/actor"]

    [change] = AccountChange.objects(username="alice")
    assert (change.action, change.by, change.tokens_revoked, change.announced_to) == \
        ("deactivate", "admin:root", 2, 3)

    deactivate(config, Account.objects.get(username="alice"), by="scim")  # idempotent
    assert len(internal.sent) == 1 and AccountChange.objects(username="alice").count() == 1


def test_reactivate_undoes_and_announces_suspended_false(config, internal, alice):
    reactivate(config, alice, by="admin:root")  # an active account: nothing to do
    assert internal.sent == [] and AccountChange.objects.count() == 0
    deactivate(config, alice, by="scim")
    reactivate(config, alice, by="scim")
    assert not alice.suspended and alice.suspended_at is None and not alice.suspension_unannounced
    person = internal.sent[-1]["activity"]["object"]
    # The embedded Person is what outside the group may see (profile_public_fields: name and
    # entity by default); member nodes refetch the whole document.
    assert person["suspended"] is False and (person["name"], person["summary"]) == ("Alice", "")
    assert [c.action for c in AccountChange.objects(username="alice").order_by("at")] == ["deactivate", "reactivate"]
    # tokens revoked at closure stay revoked: the person signs in again
    assert OAuthToken.objects(username="alice", revoked=False).count() == 0


def test_outbox_unreachable_keeps_the_closure_and_a_second_call_announces_it(config, internal, alice):
    internal.fail = True
    with pytest.raises(AnnounceError):
        deactivate(config, alice, by="scim")
    stored = Account.objects.get(username="alice")
    assert stored.suspended and stored.suspension_unannounced  # in force here, not yet told
    assert OAuthToken.objects(username="alice", revoked=False).count() == 0
    [change] = AccountChange.objects(username="alice")
    assert change.announced_to is None
    internal.fail = False
    deactivate(config, stored, by="scim")
    assert len(internal.sent) == 1 and internal.sent[0]["activity"]["object"]["suspended"] is True
    assert not Account.objects.get(username="alice").suspension_unannounced
    assert AccountChange.objects(username="alice").count() == 1


def test_identity_refuses_tokens_sessions_and_the_actor_of_a_closed_account(config, internal, alice):
    from services.identity.app import create_app

    app = create_app(config)
    OAuthClient(client_id="web", client_secret_hash=digest("s"), client_name="Web", redirect_uris=[OOB],
                scope="read").save()
    web = app.test_client()

    def login():
        page = web.get("/login", headers=INTERNAL).get_data(as_text=True)
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        return web.post("/login", data={"username": "alice", "password": "pw", "csrf": csrf}, headers=INTERNAL)

    def introspect(token):
        return web.post("/internal/introspect", json={"token": token}, headers=INTERNAL).get_json()["active"]

    authorize = f"/oauth/authorize?response_type=code&client_id=web&redirect_uri={OOB}&scope=read"
    assert login().status_code == 302
    assert web.get(authorize, headers=INTERNAL).status_code == 200
    assert introspect("t1") and web.get("/users/alice", headers=INTERNAL).status_code == 200

    deactivate(config, alice, by="admin:root")
    assert not introspect("t1") and introspect("t3")  # alain's token still works
    resp = web.get("/users/alice", headers=INTERNAL)
    assert resp.status_code == 410 and resp.get_json()["type"] == "Tombstone"
    assert resp.get_json()["id"] == ALICE and "Plant manager" not in resp.get_data(as_text=True)
    assert web.get(authorize, headers=INTERNAL).status_code == 302
    assert login().status_code == 401

    reactivate(config, Account.objects.get(username="alice"), by="admin:root")
    assert not introspect("t1")  # revoked for good
    assert web.get("/users/alice", headers=INTERNAL).status_code == 200
    resp = web.get(authorize, headers=INTERNAL)  # the session opened before the closure
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    assert login().status_code == 302
    assert web.get(authorize, headers=INTERNAL).status_code == 200


def test_internal_endpoint_for_the_other_services(config, internal, alice):
    from services.identity.app import create_app

    web = create_app(config).test_client()
    assert web.post("/internal/accounts/alice/deactivate", json={}, headers=INTERNAL).status_code == 400
    assert web.post("/internal/accounts/nobody/deactivate", json={"by": "x"}, headers=INTERNAL).status_code == 404
    resp = web.post("/internal/accounts/alice/deactivate", json={"by": "admin:root"}, headers=INTERNAL)
    assert resp.status_code == 200 and resp.get_json()["suspended"] is True and resp.get_json()["announced"]
    internal.fail = True
    resp = web.post("/internal/accounts/alice/reactivate", json={"by": "admin:root"}, headers=INTERNAL)
    assert resp.status_code == 200 and resp.get_json()["suspended"] is False
    assert resp.get_json()["announced"] is False


@pytest.fixture
def keeping(config):
    """The group keeps a departed employee's shared posts (``departed_content: keep``)."""
    write_registry(config.group_registry, "test", [("fr", FR), ("de", DE)], departed_content="keep")
    return config


def test_with_keep_the_update_and_the_actor_say_former_employee_and_keep_the_name(keeping, internal, alice):
    from services.identity.app import create_app

    deactivate(keeping, alice, by="scim")
    person = internal.sent[0]["activity"]["object"]
    assert (person["suspended"], person["formerEmployee"], person["name"], person["summary"]) == \
        (True, True, "Alice", "")
    served = create_app(keeping).test_client().get("/users/alice", headers=INTERNAL)
    assert served.status_code == 200
    doc = served.get_json()
    assert (doc["suspended"], doc["formerEmployee"], doc["name"]) == (True, True, "Alice")
    assert "Plant manager" not in served.get_data(as_text=True)  # nothing of the profile
    assert "archipel:formerEmployee" in str(doc["@context"])
    assert not set(doc) & {"attachment", "jobTitle", "department", "entity", "skills"}
