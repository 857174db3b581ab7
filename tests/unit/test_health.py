"""The operations endpoints (fedkit/runtime/health.py): who may read /metrics, readiness
naming the dependency that failed (a real database that does not answer), and the
internal services answering them without the internal secret."""

from __future__ import annotations

import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from fedkit.runtime import health
from fedkit.runtime.config import Config

LOOPBACK_ONLY = Config()
TOKEN = "a-long-metrics-token-for-tests"


@pytest.mark.parametrize(("address", "authorization", "config", "allowed"), [
    ("127.0.0.1", None, LOOPBACK_ONLY, True),
    ("127.5.6.7", None, LOOPBACK_ONLY, True),
    ("::1", None, LOOPBACK_ONLY, True),
    ("::ffff:127.0.0.1", None, LOOPBACK_ONLY, True),
    ("203.0.113.9", None, LOOPBACK_ONLY, False),
    ("10.1.2.3", None, LOOPBACK_ONLY, False),
    ("10.1.2.3", None, Config(metrics_networks=("10.0.0.0/8",)), True),
    ("127.0.0.1", None, Config(metrics_networks=()), False),
    ("203.0.113.9", f"Bearer {TOKEN}", Config(metrics_token=TOKEN), True),
    ("203.0.113.9", "Bearer wrong", Config(metrics_token=TOKEN), False),
    ("203.0.113.9", f"Basic {TOKEN}", Config(metrics_token=TOKEN), False),
    ("203.0.113.9", "Bearer ", Config(metrics_token=""), False),  # no token configured: none accepted
    ("not an address", None, LOOPBACK_ONLY, False),
    (None, None, LOOPBACK_ONLY, False),
])
def test_who_may_read_metrics(address, authorization, config, allowed):
    assert health.metrics_allowed(address, authorization, config) is allowed


def test_an_invalid_scrape_network_stops_the_process():
    with pytest.raises(RuntimeError, match="ARCHIPEL_METRICS_NETWORKS"):
        health.check_config(Config(metrics_networks=("10.0.0.0/33",)))


def test_the_public_gateway_hides_metrics_from_outsiders(node):
    outside = node.gateway.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outside.status_code == 404
    assert outside.get_json()["error"] == "not_found"
    inside = node.gateway.get("/metrics")  # the test client's address is 127.0.0.1
    assert inside.status_code == 200
    names = {family.name for family in text_string_to_metric_families(inside.get_data(as_text=True))}
    assert {"archipel_http_requests", "archipel_signature_verify_failures", "archipel_tasks"} <= names


def test_liveness_needs_nothing_and_is_not_audited(node):
    from gateway import audit

    audit.flush()
    before = audit.AuditRecord.objects(path="/livez").count()
    assert node.gateway.get("/livez", environ_base={"REMOTE_ADDR": "203.0.113.9"}).get_json() == {"status": "ok"}
    audit.flush()
    assert audit.AuditRecord.objects(path="/livez").count() == before


def test_internal_services_answer_probes_without_the_secret(node):
    inbox = node.services["inbox"].test_client()
    assert inbox.get("/livez").status_code == 200
    assert inbox.get("/metrics").status_code == 200
    assert inbox.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 404
    assert inbox.get("/users/nobody/followers").status_code == 403  # anything else still needs it


def test_readiness_waits_for_the_migration(db):
    checks, required = health.standard_checks(Config(redis_url="redis://127.0.0.1:1/0"), needs_redis=False)
    status, body = health.Readiness(checks, required).run()
    assert status == 503 and body["failed"] == ["migrations"]
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"].startswith("failed")
    import mongoengine

    health.mark_migrated(mongoengine.get_db())
    status, body = health.Readiness(checks, required).run()
    assert status == 200 and body["status"] == "ok" and body["failed"] == []


def test_readiness_needs_redis_where_the_process_cannot_work_without_it(db):
    import mongoengine

    health.mark_migrated(mongoengine.get_db())
    checks, required = health.standard_checks(Config(redis_url="redis://127.0.0.1:1/0"), needs_redis=True)
    status, body = health.Readiness(checks, required).run()
    assert status == 503 and body["failed"] == ["redis"]


def test_readiness_names_the_database_when_it_does_not_answer(db, infra, monkeypatch):
    """A real MongoDB client whose server is gone (a free port): 503 naming it, within the
    check's timeout, and nothing of the URI in the answer."""
    import mongoengine

    from deploy.supervision import free_port

    monkeypatch.setattr(health, "CHECK_TIMEOUT", 0.5)
    dead = f"mongodb://archipel:s3cret@127.0.0.1:{free_port()}/?retryWrites=false"
    mongoengine.disconnect()
    mongoengine.connect(db="nowhere", host=dead, serverSelectionTimeoutMS=15000, uuidRepresentation="standard")
    try:
        checks, required = health.standard_checks(Config(), needs_redis=False)
        started = time.monotonic()
        status, body = health.Readiness({k: checks[k] for k in ("database", "migrations")}, required).run()
        elapsed = time.monotonic() - started
    finally:
        mongoengine.disconnect()
        mongoengine.connect(db=db, host=infra.mongodb_uri, uuidRepresentation="standard", tz_aware=True)
    assert status == 503 and "database" in body["failed"]
    assert "s3cret" not in str(body) and "archipel" not in str(body["checks"])
    assert elapsed < 5


def test_readiness_is_checked_at_most_once_a_second():
    calls = []
    ready = health.Readiness({"database": lambda: calls.append(1)}, {"database"})
    for _ in range(5):
        assert ready.run()[0] == 200
    assert len(calls) == 1
