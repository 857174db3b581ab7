"""SCIM 2.0 provisioning at a real node, over HTTP through its gateway: scim2-tester's
compliance checks, and the accounts the directory creates, changes, closes and deletes
as the rest of the node sees them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import requests
from scim2_client import BaseSyncSCIMClient
from scim2_models import EnterpriseUser
from scim2_tester import Status, check_server

from services.identity.scim import build_provider
from tests.plugin import wait_until

SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
AS2 = "application/activity+json"


class RequestsSCIMClient(BaseSyncSCIMClient):
    """scim2-client over a requests session (its bundled network engine needs httpx2,
    which the project does not install; requests is already a dependency)."""

    def __init__(self, base_url: str, token: str, **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def _url(self, url: str) -> str:
        return url if urlsplit(url).scheme else f"{self.base_url}/{url.lstrip('/')}"

    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self._url(endpoint)
        segments = urlsplit(url).path.split("/")
        return (url == self.base_url or url.startswith(self.base_url + "/")) and not {".", ".."} & set(segments)

    def _parse_json(self, response):
        return response.json()

    def request(self, method: str, url: str, **kwargs):
        return self.session.request(method, self._url(url), timeout=30, **kwargs)


def scim(client, method: str, path: str, body=None, token: str | None = None) -> requests.Response:
    token = client.scim_token if token is None else token
    headers = {"Content-Type": SCIM_JSON, **({"Authorization": f"Bearer {token}"} if token else {})}
    return client.http.request(method, f"{client.base}/scim/v2{path}", json=body, headers=headers)


def patch(op: str, path: str, value) -> dict:
    return {"schemas": [PATCH_SCHEMA], "Operations": [{"op": op, "path": path, "value": value}]}


def actor(client, username: str) -> requests.Response:
    return client.http.get(client.actor(username), headers={"Accept": AS2})


def test_scim2_tester_compliance_checks_pass(group):
    fr = group["fr"]
    assert fr.scim_token, "the node gets ARCHIPEL_SCIM_TOKEN from deploy/processes.py"
    # The node's own description less the mobility extension: its values must name real actors
    # of member nodes (a 400 invalidValue otherwise), which scim2-tester's random values
    # cannot; test_mobility.py moves an account with it (and deletes it after: a listed User
    # showing the extension is not one this client reads).
    provider = build_provider(extensions=(EnterpriseUser,))
    results = check_server(RequestsSCIMClient(f"{fr.base}/scim/v2", fr.scim_token, provider=provider))
    print("scim2-tester:", dict(Counter(r.status.name for r in results)), "in", len(results), "checks")
    for result in results:
        if result.status not in (Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE):
            print(result.status.name, result.resource_type, result.title, result.reason)
    failures = [r for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    assert not failures, "\n".join(f"{r.resource_type} {r.title}: {r.reason}" for r in failures)
    assert len(results) > 50 and all(r.status != Status.SKIPPED for r in results)


def test_directory_creates_changes_closes_and_deletes_an_account(group):
    fr = group["fr"]
    name = "scim.chloe"
    created = scim(fr, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "SCIM.Chloe",
                                          "externalId": "dir-chloe-1", "displayName": "Chloé Durand",
                                          "emails": [{"value": "chloe@fr.test", "primary": True}]})
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"{fr.base}/scim/v2/Users/{name}"
    assert created.json()["userName"] == name and created.json()["active"] is True
    # Keyed as sign-in finds it: the provider's issuer (its discovery URL less the well-known
    # suffix: the ID token's iss) and the subject the directory gave as externalId.
    provider = json.loads(Path(fr.node.env["ARCHIPEL_GROUP_REGISTRY"]).read_text()).get("identity_provider")
    issuer = provider.removesuffix("/.well-known/openid-configuration") if provider else "scim"
    stored = fr.db.accounts.find_one({"_id": name})
    assert (stored["issuer"], stored["subject"]) == (issuer, "dir-chloe-1")
    person = actor(fr, name)
    assert person.status_code == 200 and person.json()["type"] == "Person"
    assert person.json()["name"] == "Chloé Durand"

    changed = scim(fr, "PATCH", f"/Users/{name}", patch("replace", "displayName", "Chloé D."))
    assert changed.status_code in (200, 204), changed.text
    assert actor(fr, name).json()["name"] == "Chloé D."

    assert scim(fr, "PATCH", f"/Users/{name}", patch("replace", "active", False)).status_code in (200, 204)
    assert fr.db.accounts.find_one({"_id": name})["suspended"] is True  # at once: no waiting
    assert actor(fr, name).json()["suspended"] is True  # lifecycle.py's closed account (kept: test_departure.py)
    assert scim(fr, "GET", f"/Users/{name}").json()["active"] is False

    assert scim(fr, "PATCH", f"/Users/{name}", patch("replace", "active", True)).status_code in (200, 204)
    assert fr.db.accounts.find_one({"_id": name})["suspended"] is False
    assert actor(fr, name).status_code == 200

    assert scim(fr, "DELETE", f"/Users/{name}").status_code == 204
    assert scim(fr, "GET", f"/Users/{name}").status_code == 404
    assert actor(fr, name).json()["suspended"] is True
    assert fr.db.accounts.find_one({"_id": name})["suspended"] is True  # the row stays

    # Written before each answer: what SCIM did (identity's trail), and the gateway's record.
    trail = [c["operation"] for c in fr.db.scim_changes.find({"username": name}).sort("at", 1)]
    assert trail == ["create", "update", "deactivate", "reactivate", "delete"]
    # The gateway writes its records in batches, within a fraction of a second.
    audited = wait_until(lambda: (found := list(fr.db.audit.find({"path": f"/scim/v2/Users/{name}"}))) and
                         {r["method"] for r in found} >= {"PATCH", "DELETE", "GET"} and found,
                         message="the gateway's audit records of GET, PATCH and DELETE")
    assert all(fr.scim_token not in str(r) for r in audited)  # never the secret


def test_bearer_secret_immutable_username_and_uniqueness(group):
    fr, de = group["fr"], group["de"]
    for token in ("", "not-the-secret", de.scim_token + "x"):
        resp = scim(fr, "GET", "/Users", token=token)
        assert resp.status_code == 401 and resp.headers["Content-Type"].startswith(SCIM_JSON)
        assert resp.json()["status"] == "401"
    assert scim(fr, "GET", "/Users", token=de.scim_token + "x").status_code == 401

    name = "scim.dora"
    assert scim(fr, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": name}).status_code == 201
    renamed = scim(fr, "PATCH", f"/Users/{name}", patch("replace", "userName", "scim.doris"))
    assert renamed.status_code == 400 and renamed.json()["scimType"] == "mutability"
    renamed = scim(fr, "PUT", f"/Users/{name}", {"schemas": [USER_SCHEMA], "userName": "scim.doris",
                                                 "active": True})
    assert renamed.status_code == 400 and renamed.json()["scimType"] == "mutability"
    twice = scim(fr, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "SCIM.Dora"})
    assert twice.status_code == 409 and twice.json()["scimType"] == "uniqueness"
    # An account the node already had (seeded alice) is a SCIM User too: not created twice.
    assert scim(fr, "POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "alice"}).status_code == 409
    found = scim(fr, "GET", '/Users?filter=userName eq "ALICE"').json()
    assert [u["id"] for u in found["Resources"]] == ["alice"]


def test_an_employees_oauth_token_is_no_scim_access(group):
    fr = group["fr"]
    resp = fr.http.get(f"{fr.base}/scim/v2/Users", headers=fr.auth("alice"))
    assert resp.status_code == 401 and resp.json()["status"] == "401"
    assert scim(fr, "GET", "/Users").status_code == 200
