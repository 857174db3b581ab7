"""The metrics of one process (fedkit/runtime/metrics.py): requests counted under their route
template, the figures sampled at scrape time (tasks by state, queue depths), signature
failures, and gunicorn's workers added up in multiprocess mode."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from flask import Flask
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from fedkit.runtime import metrics

REPO = Path(__file__).resolve().parents[2]


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def requests_counted(**labels) -> float:
    return REGISTRY.get_sample_value("archipel_http_requests_total", labels) or 0.0


@pytest.fixture
def watched():
    metrics.forget_watched()
    yield
    metrics.forget_watched()


def small_app() -> Flask:
    app = Flask(__name__)
    metrics.instrument(app, "unit-test")

    @app.get("/things/<int:n>")
    def thing(n):
        return {"n": n}

    return app


def test_requests_are_counted_under_their_route_template():
    client = small_app().test_client()
    labels = dict(service="unit-test", method="GET", route="/things/<int:n>", status="200")
    before = requests_counted(**labels)
    for n in range(3):
        assert client.get(f"/things/{n}").status_code == 200
    assert requests_counted(**labels) - before == 3
    timed = REGISTRY.get_sample_value("archipel_http_request_duration_seconds_count",
                                      dict(service="unit-test", method="GET", route="/things/<int:n>"))
    assert timed >= 3
    assert not any("/things/1" in (s.labels.get("route") or "") for family in REGISTRY.collect()
                   for s in family.samples)


def test_unknown_paths_and_methods_stay_bounded():
    client = small_app().test_client()
    unmatched = dict(service="unit-test", method="GET", route=metrics.UNMATCHED, status="404")
    other = dict(service="unit-test", method="other", route=metrics.UNMATCHED, status="405")
    before, before_other = requests_counted(**unmatched), requests_counted(**other)
    client.get("/no/such/path/a1")
    client.get("/no/such/path/b2")
    client.open("/things/1", method="PROPFIND")
    assert requests_counted(**unmatched) - before == 2
    assert requests_counted(**other) - before_other == 1


def test_tasks_are_reported_by_state(db, watched):
    from services.outbox.models import DELIVERY, Delivery

    for i, state in enumerate(["queued", "retrying", "retrying", "delivered", "delivered", "delivered", "failed"]):
        Delivery(activity_id=f"https://a.example/activities/{i}", actor="https://a.example/users/a",
                 inbox=f"https://b{i}.example/inbox", host=f"b{i}.example", state=state).save()
    metrics.watch_machines(DELIVERY)
    found = samples(metrics.exposition().decode())
    for state, count in {"queued": 1, "retrying": 2}.items():
        assert found[("archipel_tasks", frozenset({"machine": "delivery", "state": state}.items()))] == count
    # Final states are not counted at each scrape (they grow without end): their transitions are.
    assert not any(name == "archipel_tasks" and dict(labels)["state"] in ("delivered", "failed")
                   for name, labels in found)


def test_transitions_are_counted_by_machine_and_state(db):
    from services.outbox.models import DELIVERY, Delivery

    def moved(state):
        return REGISTRY.get_sample_value("archipel_task_transitions_total",
                                         {"machine": "delivery", "state": state}) or 0.0

    before = {state: moved(state) for state in ("retrying", "delivered")}
    first, second = (Delivery(activity_id=f"https://a.example/activities/{i}", actor="https://a.example/users/a",
                              inbox=f"https://b{i}.example/inbox", host=f"b{i}.example").save() for i in (1, 2))
    assert DELIVERY.finish(first, "retrying", attempts=1)
    assert DELIVERY.move(second, "delivered")
    stale = Delivery.objects.get(pk=second.pk)
    stale.state = "queued"  # read before another writer moved it: the move fails, nothing counted
    assert not DELIVERY.move(stale, "failed")
    assert moved("retrying") - before["retrying"] == 1
    assert moved("delivered") - before["delivered"] == 1


def test_queue_depths_are_read_from_redis(infra, watched):
    import redis

    client = redis.Redis.from_url(infra.redis_url)
    namespace, stream = f"archipel-unit-{uuid.uuid4().hex[:8]}", f"unit-intake-{uuid.uuid4().hex[:8]}"
    try:
        client.rpush(f"{namespace}:delivery", "m1", "m2", "m3")
        client.rpush(f"{namespace}:delivery.DQ", "m4")
        client.zadd(f"{namespace}:delivery.XQ", {"m5": 1, "m6": 2})
        client.xadd(stream, {"raw": "{}"})
        client.xadd(stream, {"raw": "{}"})
        metrics.watch_queues(lambda: client, namespace, {"delivery", "inbox"}, stream)
        found = samples(metrics.exposition().decode())
    finally:
        client.delete(f"{namespace}:delivery", f"{namespace}:delivery.DQ", f"{namespace}:delivery.XQ", stream)
        client.close()

    def depth(queue, kind):
        return found[("archipel_queue_messages", frozenset({"queue": queue, "kind": kind}.items()))]

    assert (depth("delivery", "ready"), depth("delivery", "delayed"), depth("delivery", "dead")) == (3, 1, 2)
    assert depth("inbox", "ready") == 0
    assert depth("intake", "stream") == 2


def test_a_scrape_answers_when_redis_does_not(watched):
    import redis

    from deploy.supervision import free_port

    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.5, socket_timeout=0.5)
    metrics.watch_queues(lambda: dead, "archipel-nowhere", {"delivery"})
    text = metrics.exposition().decode()
    assert "archipel_queue_messages" in text  # the family, without samples
    assert 'queue="delivery"' not in text


def test_signature_failures_are_counted_by_reason(node):
    name = "archipel_signature_verify_failures_total"

    def failures(reason):
        return REGISTRY.get_sample_value(name, {"reason": reason}) or 0.0

    missing, invalid = failures("signature_missing"), failures("signature_invalid")
    assert node.gateway.post("/inbox", json={"type": "Like"}, base_url=node.base).status_code == 401
    remote = node.remote_actor("https://remote.example/users/eve")
    from fedkit.protocol.keys import generate_rsa_keypair

    other_key, _ = generate_rsa_keypair()
    forged = node.deliver({"id": "https://remote.example/1", "type": "Like", "actor": remote.id,
                           "object": f"{node.base}/objects/x"}, by=remote, private_pem=other_key)
    assert forged.status_code == 401
    assert failures("signature_missing") - missing == 1
    assert failures("signature_invalid") - invalid == 1


COUNT_IN_A_WORKER = """
import sys
from flask import Flask
from fedkit.runtime import metrics
app = Flask("w")
metrics.instrument(app, "unit-mp")
app.add_url_rule("/x", "x", lambda: "x")
client = app.test_client()
for _ in range(int(sys.argv[1])):
    client.get("/x")
"""
SCRAPE = "import sys; from fedkit.runtime import metrics; sys.stdout.write(metrics.exposition().decode())"


def test_gunicorn_workers_are_added_up_in_multiprocess_mode(tmp_path):
    """Two worker processes count into the multiprocess files; a third process (the one a
    scrape reaches) reports their sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", COUNT_IN_A_WORKER, str(n)], env=env, check=True, cwd=REPO)
    out = subprocess.run([sys.executable, "-c", SCRAPE], env=env, check=True, cwd=REPO, capture_output=True,
                         text=True).stdout
    labels = {"service": "unit-mp", "method": "GET", "route": "/x", "status": "200"}
    assert samples(out)[("archipel_http_requests_total", frozenset(labels.items()))] == 7


def test_gunicorn_settings_empty_the_metrics_directory_at_start(tmp_path, monkeypatch):
    stale = tmp_path / "counter_123.db"
    stale.write_bytes(b"old counts")
    keep = tmp_path / "notes.txt"
    keep.write_text("not ours")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    runpy.run_path(str(REPO / "deploy" / "gunicorn_conf.py"))
    assert not stale.exists() and keep.exists()
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(tmp_path)


def test_gunicorn_settings_make_a_directory_when_none_is_given(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    settings = runpy.run_path(str(REPO / "deploy" / "gunicorn_conf.py"))
    made = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    try:
        assert Path(made).is_dir() and os.listdir(made) == []
    finally:
        settings["on_exit"](None)
        monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    assert not Path(made).exists()
