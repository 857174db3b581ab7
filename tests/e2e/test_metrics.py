"""Operations endpoints of real node processes (issue 12, "Operations"): /metrics parses
with the Prometheus text parser and counts the test's requests, on the gateway and on an
internal service, in both layouts (fr split, de compact); the public port refuses /metrics
to an outsider; /livez and /readyz answer on every process that serves HTTP, workers too."""

from __future__ import annotations

import http.client

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.plugin import TEST_NODE_ENV, wait_until

TOKEN = TEST_NODE_ENV["ARCHIPEL_METRICS_TOKEN"]
N = 7


def scrape(url: str, **headers) -> dict[tuple[str, frozenset], float]:
    resp = requests.get(url, headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/plain")
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(resp.text) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def internal_url(node, process: str) -> str:
    """Where ``process``'s own endpoints are: its port in the split layout; the node's one
    web process (gateway and services) or its worker process in the compact layout."""
    if node.layout == "compact" and process in ("identity", "inbox", "outbox", "communities", "api", "web"):
        return node.spec.base_url
    return f"http://127.0.0.1:{node.spec.internal_ports[node.process_name(process)]}"


def from_outside(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """A request from 127.0.0.2, an address outside the nodes' scrape network (127.0.0.1/32)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=("127.0.0.2", 0))
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.fixture(params=["fr", "de"])
def node(request, group):
    return group.nodes[request.param]


def test_metrics_count_the_requests_on_the_gateway_and_the_service(node):
    gateway, api = f"{node.spec.base_url}/metrics", f"{internal_url(node, 'api')}/metrics"
    at_gateway = dict(service="gateway", method="GET", route="proxy:api", status="200")
    at_api = dict(service="api", method="GET", route="/api/v1/instance", status="200")
    before_gateway, before_api = scrape(gateway), scrape(api)

    for _ in range(N):
        assert requests.get(f"{node.spec.base_url}/api/v1/instance", timeout=30).status_code == 200

    after_gateway, after_api = scrape(gateway), scrape(api)
    name = "archipel_http_requests_total"
    assert value(after_gateway, name, **at_gateway) - value(before_gateway, name, **at_gateway) == N
    assert value(after_api, name, **at_api) - value(before_api, name, **at_api) == N
    timed = "archipel_http_request_duration_seconds_count"
    route = {k: v for k, v in at_api.items() if k != "status"}
    assert value(after_api, timed, **route) - value(before_api, timed, **route) == N
    # Route templates, never raw paths: an actor's path is counted under its rule.
    requests.get(f"{node.spec.base_url}/users/nobody-{node.spec.name}", timeout=30)
    labels = [dict(key[1]) for key in scrape(internal_url(node, "identity") + "/metrics")
              if key[0] == "archipel_http_requests_total"]
    assert not any("nobody" in labels_["route"] for labels_ in labels)
    assert any(labels_["route"] == "/users/<username>" and labels_["service"] == "identity" for labels_ in labels)


def test_signature_failures_are_counted_by_reason(node):
    url = f"{node.spec.base_url}/metrics"
    name, reason = "archipel_signature_verify_failures_total", {"reason": "signature_missing"}
    before = value(scrape(url), name, **reason)
    resp = requests.post(f"{node.spec.base_url}/inbox", json={"type": "Like"}, timeout=30)
    assert resp.status_code == 401
    assert value(scrape(url), name, **reason) - before == 1


def test_deliveries_and_queues_are_reported(node):
    samples = scrape(f"{internal_url(node, 'outbox')}/metrics")
    for state in ("queued", "retrying"):
        assert (("archipel_tasks", frozenset({"machine": "delivery", "state": state}.items())) in samples)
    assert ("archipel_tasks", frozenset({"machine": "inbound activity", "state": "received"}.items())) in \
        scrape(f"{internal_url(node, 'inbox')}/metrics")
    worker = scrape(f"{internal_url(node, 'delivery-worker')}/metrics")
    assert ("archipel_queue_messages", frozenset({"queue": "delivery", "kind": "ready"}.items())) in worker
    inbox_worker = scrape(f"{internal_url(node, 'inbox-worker')}/metrics")
    assert ("archipel_queue_messages", frozenset({"queue": "intake", "kind": "stream"}.items())) in inbox_worker


def test_metrics_are_refused_to_an_outsider(node):
    status, body = from_outside(node.spec.port, "/metrics")
    assert status == 404 and b"archipel_http_requests" not in body
    status, _ = from_outside(node.spec.port, "/metrics", {"Authorization": "Bearer not-the-token"})
    assert status == 404
    status, body = from_outside(node.spec.port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and b"archipel_http_requests_total" in body
    if node.layout == "split":  # an internal service's port follows the same rule
        port = node.spec.internal_ports["inbox"]
        assert from_outside(port, "/metrics")[0] == 404
        assert from_outside(port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})[0] == 200


def test_liveness_and_readiness_of_every_process(node):
    processes = ["gateway", "inbox-worker"] + (["identity", "inbox", "outbox", "communities", "api", "web",
                                                "delivery-worker", "communities-worker"]
                                               if node.layout == "split" else [])
    for process in processes:
        base = node.spec.base_url if process == "gateway" else internal_url(node, process)
        assert requests.get(f"{base}/livez", timeout=30).status_code == 200, process
        ready = requests.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 200, (process, ready.text)
        checks = ready.json()["checks"]
        assert checks["database"] == checks["migrations"] == checks["redis"] == "ok", (process, checks)
    streaming = f"http://127.0.0.1:{node.spec.internal_ports['streaming']}"
    assert requests.get(f"{streaming}/livez", timeout=30).status_code == 200
    wait_until(lambda: requests.get(f"{streaming}/readyz", timeout=30).status_code == 200,
               message="the streaming server follows the node's events")
    assert ("archipel_queue_messages" in {name for name, _ in scrape(f"{streaming}/metrics")}) is \
        (node.layout == "compact")  # compact: the streaming server is a thread of the worker process
    assert from_outside(node.spec.internal_ports["streaming"], "/metrics")[0] == 404
