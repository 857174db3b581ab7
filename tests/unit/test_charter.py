"""The usage charter (issue 12), in process: configured by the group registry, shown and
accepted through identity's ``/api/archipel/charter``, and every write of the client API
refused until the version in force is accepted; who accepted which version when is kept."""

from __future__ import annotations

import json

import pytest

from fedkit.rules.charter import Charter, current_charter, markdown_to_html
from fedkit.runtime.config import Config
from tests.plugin import wait_until
from tests.unit.api_support import ApiUser, api_user
from tests.unit.charter_support import charter_writer

CHARTER = "/api/archipel/charter"
ACCEPT = "/api/archipel/charter/accept"


@pytest.fixture
def set_charter(node, tmp_path, request):
    with charter_writer(node, tmp_path, request.node.name) as write:
        yield write


def post_status(user: ApiUser, text: str = "hello"):
    return user.post("/api/v1/statuses", data={"status": text, "visibility": "public"})


def test_without_a_charter_there_is_nothing_to_accept(node):
    alice = api_user(node, "alice")
    shown = alice.get(CHARTER)
    assert shown.status_code == 200, shown.text
    assert shown.get_json()["required"] is False and shown.get_json()["accepted"] is True
    assert shown.get_json()["version"] is None
    assert post_status(alice).status_code == 200


def test_writes_wait_for_the_charter_in_force_and_each_acceptance_is_kept(node, set_charter):
    from gateway import audit
    from gateway.audit import AuditRecord
    from services.identity.charter_acceptance import CharterAcceptance

    set_charter("# Usage charter\n\nBe **kind**. <script>alert(1)</script> [x](javascript:alert(1))")
    alice = api_user(node, "alice")
    refused = post_status(alice)
    assert refused.status_code == 403, refused.text
    message = refused.get_json()["error"]
    assert "charter" in message and ACCEPT in message and "/web/charter" in message
    assert alice.get("/api/v1/timelines/home").status_code == 200  # reads still work
    assert alice.get("/api/v1/accounts/verify_credentials").status_code == 200
    assert alice.patch("/api/v1/accounts/update_credentials", data={"note": "x"}).status_code == 403
    # reporting abuse never waits for the charter: the report is checked as usual (422 here)
    report = alice.post("/api/v1/reports", data={})
    assert report.status_code == 422 and "charter" not in report.get_json()["error"]

    shown = alice.get(CHARTER).get_json()
    assert shown["required"] is True and shown["accepted"] is False and shown["accepted_at"] is None
    assert "<h1>Usage charter</h1>" in shown["charter_html"] and "<strong>kind</strong>" in shown["charter_html"]
    assert "<script>" not in shown["charter_html"] and 'href="javascript' not in shown["charter_html"]
    assert shown["privacy"]["audit_trail_days"] == 365
    version = shown["version"]

    assert alice.post(ACCEPT, json={}).status_code == 422
    assert alice.post(ACCEPT, json={"version": "0" * 16}).status_code == 409  # not the one she read
    accepted = alice.post(ACCEPT, json={"version": version}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.get_json()["accepted"] is True and accepted.get_json()["accepted_version"] == version
    assert post_status(alice).status_code == 200
    record = CharterAcceptance.objects(username="alice").get()
    assert (record.version, record.client_id, record.client_address) == (version, "test-app", "192.0.2.7")
    audit.flush()  # the gateway's audit trail has the acceptance too: who, when, from where, which app
    # the background flusher may hold the batch a moment longer than flush() waits
    audited = wait_until(lambda: AuditRecord.objects(path=ACCEPT, status=200).first(), 10,
                         message="the acceptance in the audit trail")
    assert (audited.user, audited.client_address, audited.method) == ("alice", "192.0.2.7", "POST")

    # bob has accepted nothing: his writes still wait
    bob = api_user(node, "bob")
    assert post_status(bob).status_code == 403

    # a new version: alice accepts again (a form, as the web app sends it)
    set_charter("# Usage charter, version 2\n\nBe kind and brief.")
    assert post_status(alice, "again").status_code == 403
    second = alice.get(CHARTER).get_json()
    assert second["version"] != version and second["accepted"] is False and second["accepted_version"] == version
    assert alice.post(ACCEPT, data={"version": second["version"]}).status_code == 200
    assert post_status(alice, "again").status_code == 200
    assert [r.version for r in CharterAcceptance.objects(username="alice").order_by("accepted_at")] == [
        version, second["version"]]


def test_reading_and_accepting_need_a_token_and_its_scope(node, set_charter):
    set_charter("Be kind.")
    assert node.gateway.get(CHARTER, base_url=node.base).status_code == 401
    assert node.gateway.post(ACCEPT, json={"version": "x"}, base_url=node.base).status_code == 401
    reader = api_user(node, "alice", scopes="read")
    version = reader.get(CHARTER).get_json()["version"]
    assert reader.post(ACCEPT, json={"version": version}).status_code == 403
    assert ApiUser(node, "alice", scopes="read:statuses").get(CHARTER).status_code == 403


def test_the_version_follows_both_texts_and_markdown_is_sanitised(tmp_path):
    charter = tmp_path / "charter.md"
    charter.write_text("Group rules", encoding="utf-8")
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"name": "g", "audience": "urn:g", "charter": "charter.md",
                                    "nodes": [{"name": "fr", "base_url": "http://fr.test"}]}), encoding="utf-8")
    additions = tmp_path / "additions.md"
    additions.write_text("fr: no phones in the workshop", encoding="utf-8")
    config = Config(group_registry=str(registry), base_url="http://fr.test")
    group_only = current_charter(config)
    assert group_only.group_text == "Group rules" and group_only.additions_text == ""
    with_additions = current_charter(Config(group_registry=str(registry), base_url="http://fr.test",
                                            charter_additions=str(additions)))
    assert with_additions.version != group_only.version and len(group_only.version) == 16
    assert "no phones" in with_additions.additions_html
    assert Charter().required is False and Charter().version is None
    assert Charter(additions_text="only the node's").required
    html = markdown_to_html('<img src=x onerror=alert(1)> [a](javascript:x) [b](https://ok.example "t")')
    assert "<img" not in html and "href=\"javascript" not in html and 'href="https://ok.example"' in html


def test_hostile_acceptances_get_a_clear_4xx(node, set_charter):
    set_charter("Be kind.")
    alice = api_user(node, "alice")
    answers = [alice.post(ACCEPT, json=[1]), alice.post(ACCEPT, json={"version": {"$ne": None}}),
               alice.post(ACCEPT, data=b"{", content_type="application/json"),
               alice.post(ACCEPT, json={"version": "x" * 5000}), alice.post(ACCEPT, data={"version": ["a", "b"]}),
               alice.post(ACCEPT, data=b"\xff\xfe", content_type="text/plain")]
    assert [a.status_code for a in answers] == [400, 422, 400, 409, 409, 422]
    assert all(a.get_json()["error"] for a in answers)
    assert post_status(alice).status_code == 403  # none of them accepted anything


def test_activitypub_client_to_server_posts_wait_for_the_charter_too(node, set_charter):
    """POST /users/<u>/outbox (ActivityPub C2S) is a write like the client API's: refused
    with the same 403 until the charter in force is accepted; reading the outbox still works."""
    alice = api_user(node, "alice")
    note = {"type": "Note", "content": "by C2S", "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    set_charter("Be kind, also over ActivityPub.")
    refused = alice.post("/users/alice/outbox", json=note)
    assert refused.status_code == 403, refused.text
    assert refused.get_json()["error"] == "charter_not_accepted"
    message = refused.get_json()["error_description"]
    assert "usage charter" in message and ACCEPT in message and "/web/charter" in message
    assert alice.get("/users/alice/outbox").status_code == 200  # reads still work
    version = alice.get(CHARTER).get_json()["version"]
    assert alice.post(ACCEPT, json={"version": version}).status_code == 200
    posted = alice.post("/users/alice/outbox", json=note)
    assert posted.status_code == 201, posted.text
