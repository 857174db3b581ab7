"""The administrators' legal hold and erasure API (services/api/admin_erasure.py), in process
through the gateway: who may use it, what it refuses and how (clear 4xx JSON), the hold shown
in the account's admin view, 409 under a hold."""

from __future__ import annotations

import pytest

from services.identity.models import Account
from tests.unit.api_support import api_user

ADMIN_SCOPES = "read write follow admin:read admin:write"


@pytest.fixture
def people(node):
    admin = api_user(node, "alice", ADMIN_SCOPES)
    Account.objects(username="alice").update_one(set__roles=["node_admin"])
    moderator = api_user(node, "amelie", ADMIN_SCOPES)
    Account.objects(username="amelie").update_one(set__roles=["moderator"])
    zoe = api_user(node, "zoe")
    zoe_id = admin.get("/api/v1/accounts/lookup", query_string={"acct": "zoe"}).get_json()["id"]
    return {"admin": admin, "moderator": moderator, "zoe": zoe, "zoe_id": zoe_id,
            "base": f"/api/archipel/admin/accounts/{zoe_id}"}


def test_a_hold_is_placed_shown_refuses_erasure_and_is_lifted(node, people):
    admin, base = people["admin"], people["base"]
    placed = admin.post(f"{base}/legal_hold", json={"reason": "Litigation 17"})
    assert placed.status_code == 200, placed.text
    assert placed.get_json()["legal_hold"]["reason"] == "Litigation 17"
    view = admin.get(base).get_json()
    assert (view["username"], view["suspended"], view["legal_hold"]["placed_by"]) == ("zoe", False, "admin:alice")
    refused = admin.post(f"{base}/erase", json={"reason": "asked"})
    assert refused.status_code == 409 and refused.get_json()["legal_hold"]["reason"] == "Litigation 17"
    assert "lift it" in refused.get_json()["error_description"]
    assert Account.objects(username="zoe").get().suspended is False
    lifted = node.gateway.delete(f"{base}/legal_hold", headers=admin.headers, base_url=node.base)
    assert lifted.status_code == 200 and admin.get(base).get_json()["legal_hold"] is None
    again = node.gateway.delete(f"{base}/legal_hold", headers=admin.headers, base_url=node.base)
    assert again.status_code == 404 and again.get_json()["error"]


def test_only_administrators_with_the_admin_scope(node, people):
    base = people["base"]
    for user, status in ((people["moderator"], 403), (people["zoe"], 403)):
        for resp in (user.get(base), user.post(f"{base}/legal_hold", json={"reason": "x"}),
                     user.post(f"{base}/erase", json={"reason": "x"})):
            assert resp.status_code == status and resp.get_json()["error"], resp.text
    assert node.gateway.post(f"{base}/erase", json={"reason": "x"}, base_url=node.base).status_code == 401


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": 7}, {"reason": {"$ne": 1}},
                                  {"reason": "x" * 1001}])
def test_a_reason_is_required(people, body):
    admin, base = people["admin"], people["base"]
    for path in ("legal_hold", "erase"):
        resp = admin.post(f"{base}/{path}", json=body)
        assert resp.status_code == 422 and "reason" in resp.get_json()["error"], resp.text


def test_unknown_accounts_and_oneself(node, people):
    admin = people["admin"]
    assert admin.get("/api/archipel/admin/accounts/99999999").status_code == 404
    assert admin.post("/api/archipel/admin/accounts/99999999/erase", json={"reason": "x"}).status_code == 404
    own = admin.get("/api/v1/accounts/verify_credentials").get_json()["id"]
    resp = admin.post(f"/api/archipel/admin/accounts/{own}/erase", json={"reason": "x"})
    assert resp.status_code == 422 and resp.get_json()["error"]


def test_the_erasure_answers_its_pseudonym_and_steps(node, people):
    admin, base = people["admin"], people["base"]
    resp = admin.post(f"{base}/erase", json={"reason": "asked by the employee"})
    assert resp.status_code == 200, resp.text
    body = resp.get_json()
    assert body["pseudonym"].startswith("erased-") and body["done"] is False
    assert {s for s, state in body["steps"].items() if state == "pending"} == {"audit_trail"}
    assert people["zoe"].get("/api/v1/accounts/verify_credentials").status_code == 401
