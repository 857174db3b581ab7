"""The SCIM endpoint of the identity service, in process over a real database: the
protocol, the Account it writes, the audit trail. Deactivation's effects belong to
services/identity/lifecycle.py; here a stand-in only flips ``suspended``."""

from __future__ import annotations

import pytest

from fedkit.runtime.internal import INTERNAL
from services.identity import scim_audit, scim_backend
from services.identity.models import Account

TOKEN = "scim-unit-test-token-0123456789"
SECRET = "internal-unit-test-secret"
BASE = "http://node.test"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Lifecycle:
    calls: list[tuple[str, str, str]] = []

    class AnnounceError(RuntimeError):
        pass

    @classmethod
    def deactivate(cls, config, account, *, by):
        cls.calls.append(("deactivate", account.username, by))
        Account.objects(username=account.username).update_one(set__suspended=True)

    @classmethod
    def reactivate(cls, config, account, *, by):
        cls.calls.append(("reactivate", account.username, by))
        Account.objects(username=account.username).update_one(set__suspended=False)


def make_app(db, infra, token=TOKEN):
    from services.identity.app import create_app

    return create_app({"mongodb_uri": infra.mongodb_uri, "db_name": db, "scim_token": token, "dev_mode": True,
                       "internal_secret": SECRET, "secret_key": "s" * 32, "base_url": BASE,
                       "group_registry": ""})


@pytest.fixture
def scim(db, infra, monkeypatch):
    monkeypatch.setattr(scim_backend, "_lifecycle", lambda: Lifecycle)
    Lifecycle.calls = []
    client = make_app(db, infra).test_client()

    def call(method, path, body=None, token=TOKEN, headers=None):
        sent = {INTERNAL: SECRET, **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        return client.open("/scim/v2" + path, method=method, json=body, headers=sent)

    return call


def patch(*operations):
    return {"schemas": [PATCH_SCHEMA], "Operations": [dict(zip(("op", "path", "value"), o, strict=False))
                                                      for o in operations]}


def test_create_read_update_deactivate_delete(scim):
    resp = scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "Zoe.Martin", "externalId": "idp-42",
                                   "displayName": "Zoé Martin", "title": "Welder"})
    assert resp.status_code == 201, resp.json
    assert resp.headers["Location"] == f"{BASE}/scim/v2/Users/zoe.martin"
    user = resp.json
    assert (user["id"], user["userName"], user["active"], user["externalId"]) == ("zoe.martin", "zoe.martin", True, "idp-42")
    account = Account.objects(username="zoe.martin").get()
    assert (account.issuer, account.subject, account.display_name) == ("scim", "idp-42", "Zoé Martin")
    from fedkit.runtime.keystore import ActorKey

    assert ActorKey.objects(actor_id=f"{BASE}/users/zoe.martin").first() is not None  # create_account's key

    resp = scim("PATCH", "/Users/zoe.martin", patch(("replace", "displayName", "Zoé M.")))
    assert resp.status_code in (200, 204), resp.json
    assert Account.objects(username="zoe.martin").get().display_name == "Zoé M."
    got = scim("GET", "/Users/zoe.martin").json
    assert got["name"]["formatted"] == "Zoé M." and got["title"] == "Welder"

    assert scim("PATCH", "/Users/zoe.martin", patch(("replace", "active", False))).status_code in (200, 204)
    assert Account.objects(username="zoe.martin").get().suspended
    assert scim("GET", "/Users/zoe.martin").json["active"] is False
    assert scim("PATCH", "/Users/zoe.martin", patch(("replace", "active", True))).status_code in (200, 204)
    assert not Account.objects(username="zoe.martin").get().suspended
    assert Lifecycle.calls == [("deactivate", "zoe.martin", "scim"), ("reactivate", "zoe.martin", "scim")]

    assert scim("DELETE", "/Users/zoe.martin").status_code == 204
    assert scim("GET", "/Users/zoe.martin").status_code == 404
    account = Account.objects(username="zoe.martin").get()  # the row stays, closed
    assert account.suspended and account.scim_deleted
    again = scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "zoe.martin"})
    assert again.status_code == 409 and again.json["scimType"] == "uniqueness"

    trail = [(c.operation, c.username) for c in scim_audit.ScimChange.objects.order_by("at")]
    assert trail == [("create", "zoe.martin"), ("update", "zoe.martin"), ("deactivate", "zoe.martin"),
                     ("reactivate", "zoe.martin"), ("delete", "zoe.martin")]
    assert scim_audit.ScimChange.objects(operation="update").get().attributes == ["displayName", "name"]


def test_put_keeps_status_when_active_is_left_out_and_username_is_fixed(scim):
    scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "yann", "active": False})
    assert Account.objects(username="yann").get().suspended
    resp = scim("PUT", "/Users/yann", {"schemas": [USER_SCHEMA], "userName": "YANN", "displayName": "Yann"})
    assert resp.status_code == 200, resp.json
    assert resp.json["active"] is False and resp.json["displayName"] == "Yann"
    renamed = scim("PUT", "/Users/yann", {"schemas": [USER_SCHEMA], "userName": "yves", "active": False})
    assert renamed.status_code == 400 and renamed.json["scimType"] == "mutability"
    renamed = scim("PATCH", "/Users/yann", patch(("replace", "userName", "yves")))
    assert renamed.status_code == 400 and renamed.json["scimType"] == "mutability"
    assert scim("PATCH", "/Users/yann", patch(("replace", "userName", "Yann"))).status_code in (200, 204)


def test_filters_paging_and_uniqueness(scim):
    for name, external in (("ada", "e-ada"), ("bea", "e-bea"), ("cyd", None)):
        body = {"schemas": [USER_SCHEMA], "userName": name, "title": name.upper()}
        if external:
            body["externalId"] = external
        assert scim("POST", "/Users", body).status_code == 201
    found = scim("GET", '/Users?filter=userName eq "BEA"').json
    assert [r["id"] for r in found["Resources"]] == ["bea"] and found["totalResults"] == 1
    assert [r["id"] for r in scim("GET", '/Users?filter=externalId eq "e-ada"').json["Resources"]] == ["ada"]
    assert scim("GET", '/Users?filter=externalId eq "E-ADA"').json["totalResults"] == 0  # caseExact
    assert [r["id"] for r in scim("GET", '/Users?filter=title co "Y"').json["Resources"]] == ["cyd"]
    page = scim("GET", "/Users?startIndex=2&count=1").json
    assert (page["totalResults"], page["startIndex"], [r["id"] for r in page["Resources"]]) == (3, 2, ["bea"])
    desc = scim("GET", "/Users?sortBy=title&sortOrder=descending").json
    assert [r["id"] for r in desc["Resources"]] == ["cyd", "bea", "ada"]
    taken = scim("PATCH", "/Users/cyd", patch(("add", "externalId", "e-ada")))
    assert taken.status_code == 409 and taken.json["scimType"] == "uniqueness"
    bad = scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "ann@corp.test"})
    assert bad.status_code == 400 and bad.json["scimType"] == "invalidValue"


def test_etag_guards_concurrent_updates(scim):
    created = scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "eve"})
    etag = created.headers["ETag"]
    ok = scim("PATCH", "/Users/eve", patch(("replace", "title", "x")), headers={"If-Match": etag})
    assert ok.status_code in (200, 204)
    stale = scim("PATCH", "/Users/eve", patch(("replace", "title", "y")), headers={"If-Match": etag})
    assert stale.status_code == 412
    # A change made elsewhere (a Person Update) changes the version too.
    etag = scim("GET", "/Users/eve").headers["ETag"]
    Account.objects(username="eve").update_one(set__display_name="Eve")
    assert scim("GET", "/Users/eve").headers["ETag"] != etag


def test_bearer_secret(scim):
    for token in (None, "wrong", TOKEN + "x"):
        resp = scim("GET", "/Users", token=token)
        assert resp.status_code == 401 and resp.json["status"] == "401"
        assert "WWW-Authenticate" in resp.headers
    assert scim("GET", "/ServiceProviderConfig", token=None).status_code == 200  # RFC 7643 §5
    assert scim("GET", "/Users").status_code == 200


def test_disabled_without_a_token(db, infra):
    client = make_app(db, infra, token="").test_client()
    resp = client.get("/scim/v2/Users", headers={INTERNAL: SECRET, "Authorization": "Bearer "})
    assert resp.status_code == 404
    assert client.get("/scim/v2/ServiceProviderConfig", headers={INTERNAL: SECRET}).status_code == 404


def test_only_the_gateway_reaches_it(db, infra):
    client = make_app(db, infra).test_client()
    assert client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 403


def test_a_closure_not_announced_is_retried_by_the_directory(scim, monkeypatch):
    """lifecycle.AnnounceError: closed here, the group not told yet; the retry tells it."""
    scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "ugo"})
    scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "una"})
    outbox_down = [True]

    def deactivate(config, account, *, by):
        Lifecycle.calls.append(("deactivate", account.username, by))
        Account.objects(username=account.username).update_one(set__suspended=True,
                                                              set__suspension_unannounced=outbox_down[0])
        if outbox_down[0]:
            raise Lifecycle.AnnounceError("outbox down")

    monkeypatch.setattr(Lifecycle, "deactivate", deactivate)
    resp = scim("PATCH", "/Users/ugo", patch(("replace", "active", False)))
    assert resp.status_code == 503 and Account.objects(username="ugo").get().suspended
    assert scim("DELETE", "/Users/una").status_code == 503
    assert scim("GET", "/Users/una").status_code == 200  # still there for the retry
    outbox_down[0] = False
    assert scim("PATCH", "/Users/ugo", patch(("replace", "active", False))).status_code in (200, 204)
    assert scim("DELETE", "/Users/una").status_code == 204
    assert [c for c in Lifecycle.calls if c[0] == "deactivate"] == [
        ("deactivate", "ugo", "scim"), ("deactivate", "una", "scim"),
        ("deactivate", "ugo", "scim"), ("deactivate", "una", "scim")]
    assert not Account.objects(username="ugo").get().suspension_unannounced
    trail = [(c.operation, c.username) for c in scim_audit.ScimChange.objects.order_by("at")]
    assert trail.count(("deactivate", "ugo")) == 1 and trail.count(("delete", "una")) == 1


def test_what_entra_id_and_okta_send(scim):
    """Their usual requests: Okta's creation with a name and no displayName, Entra's
    PATCH with capitalised ops, string booleans, a value without path and filtered paths."""
    okta = scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "Ines.Roux",
                                   "name": {"givenName": "Inès", "familyName": "Roux"},
                                   "emails": [{"primary": True, "value": "ines@corp.test", "type": "work"}],
                                   "active": True})
    assert okta.status_code == 201, okta.json
    assert Account.objects(username="ines.roux").get().display_name == "Inès Roux"
    entra = patch(("Replace", "active", "False"), ("Add", None, {"title": "Buyer"}),
                  ("Replace", 'emails[type eq "work"].value', "ines.roux@corp.test"),
                  ("Add", 'addresses[type eq "work"].locality', "Lyon"))
    resp = scim("PATCH", "/Users/ines.roux", entra)
    assert resp.status_code in (200, 204), resp.json
    user = scim("GET", "/Users/ines.roux").json
    assert user["active"] is False and user["title"] == "Buyer"
    assert user["emails"] == [{"primary": True, "value": "ines.roux@corp.test", "type": "work"}]
    assert user["addresses"] == [{"type": "work", "locality": "Lyon"}]
    assert Account.objects(username="ines.roux").get().suspended


def test_roles_from_the_directory_apply_at_once_not_only_at_the_next_sign_in(scim):
    resp = scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "rita", "externalId": "idp-77",
                                   "roles": [{"value": "node_admin"}, {"value": "astronaut"}]})
    assert resp.status_code == 201, resp.json
    assert Account.objects(username="rita").get().roles == ["node_admin"]  # unknown roles dropped
    # The directory takes the administrator role away: the node knows it now.
    resp = scim("PATCH", "/Users/rita", patch(("replace", "roles", [{"value": "moderator"}])))
    assert resp.status_code in (200, 204), resp.json
    assert Account.objects(username="rita").get().roles == ["moderator"]
    resp = scim("PATCH", "/Users/rita", patch(("remove", "roles")))
    assert resp.status_code in (200, 204), resp.json
    assert Account.objects(username="rita").get().roles == []

    # A directory that never sends roles leaves those of the ID token's claim alone.
    resp = scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "sam", "externalId": "idp-78"})
    assert resp.status_code == 201, resp.json
    Account.objects(username="sam").update_one(set__roles=["moderator"])  # from the last sign-in
    resp = scim("PUT", "/Users/sam", {"schemas": [USER_SCHEMA], "userName": "sam", "externalId": "idp-78",
                                      "displayName": "Sam"})
    assert resp.status_code == 200, resp.json
    assert Account.objects(username="sam").get().roles == ["moderator"]


MOBILITY = "urn:archipel:params:scim:schemas:extension:mobility:2.0:User"


def test_mobility_extension_movedfrom_is_the_alias_and_a_movedto_off_the_group_is_refused(scim):
    """The mobility extension (services/identity/scim_mobility.py): ``movedFrom`` at creation is
    the new Person's ``alsoKnownAs``; ``movedTo`` must be an actor on another member node (this
    node is a group of one): anything else is a 400 invalidValue and moves nothing."""
    old = "http://old.test/users/mira"
    created = scim("POST", "/Users", {"schemas": [USER_SCHEMA, MOBILITY], "userName": "mira",
                                      MOBILITY: {"movedFrom": old}})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()[MOBILITY] == {"movedFrom": old}
    assert Account.objects(username="mira").get().also_known_as == [old]
    refused = scim("PATCH", "/Users/mira", patch(("replace", f"{MOBILITY}:movedTo",
                                                  "https://elsewhere.test/users/mira")))
    assert refused.status_code == 400 and refused.get_json()["scimType"] == "invalidValue"
    assert "member node" in refused.get_json()["detail"]
    assert Account.objects(username="mira").get().moved_to is None
