"""Archipel's pytest plugin: keypairs, a real node group on loopback, API clients,
and waiting on conditions (never sleeping to win a race)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
import requests
from pymongo import MongoClient

from deploy.processes import (
    GroupIdP,
    Infra,
    Node,
    NodeSpec,
    load_or_create_secrets,
    oidc_client_env,
)
from deploy.supervision import free_port
from tests.loopback_servers import PeerServer

REPO = Path(__file__).resolve().parents[1]
# The node processes the tests start import this checkout whatever folder pytest runs from
# (the editable install would otherwise give them another one).
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)

# Fast retry schedule for tests: the state machine is the same, the clock is compressed.
TEST_NODE_ENV = {
    "ARCHIPEL_DORMANCY_CHECK_INTERVAL": "1",
    # Dynamic communities reconciled with the directory every 2 s (tests/e2e/test_dynamic_communities.py).
    "ARCHIPEL_DYNAMIC_COMMUNITY_INTERVAL": "2",
    "ARCHIPEL_DELIVERY_BACKOFF_SCALE": "0.02",
    "ARCHIPEL_HOST_UNAVAILABLE_AFTER": "3",
    "ARCHIPEL_HOST_PROBE_INTERVAL": "2",
    "ARCHIPEL_MAX_BODY_BYTES": "200000",
    "ARCHIPEL_LOG_LEVEL": "INFO",
    # A first key fetch between test nodes may be slow on a loaded machine: a longer fetch,
    # and a failure remembered for 2 s instead of a minute (the compressed retries come back).
    "ARCHIPEL_KEY_FETCH_TIMEOUT": "8",
    "ARCHIPEL_KEY_FETCH_FAILURE_SECONDS": "2",
    # Rate limits stay on but raised: the suite makes many requests from one address, one
    # user and one host (tests/e2e/test_rate_limits.py proves them with low limits).
    "ARCHIPEL_RATE_LIMIT_USER": "100000",
    "ARCHIPEL_RATE_LIMIT_ADDRESS": "100000",
    "ARCHIPEL_RATE_LIMIT_REMOTE": "100000",
    "ARCHIPEL_RATE_LIMIT_MEMBER": "100000",
    # A streaming connection's token is checked again each second (a revoked one is closed).
    "ARCHIPEL_STREAMING_RECHECK_SECONDS": "1",
    # /metrics for 127.0.0.1 or the token: a client on 127.0.0.2 is an outsider
    # (tests/e2e/test_metrics.py).
    "ARCHIPEL_METRICS_NETWORKS": "127.0.0.1/32",
    "ARCHIPEL_METRICS_TOKEN": "metrics-token-of-the-tests",
}


# Data-loss prevention rules of the member nodes (ARCHIPEL_DLP_RULES; tests/e2e/test_dlp.py).
DLP_RULES = {"rules": [
    {"name": "project codenames", "pattern": r"(?i)\bproject\s+osprey\b", "action": "hold",
     "message": "Project Osprey is confidential"},
    {"name": "confidential tag", "tag": "confidential", "action": "block",
     "message": "Posts tagged #confidential stay inside the group"},
]}


# The layout of each node of the shared test group (ARCHIPEL_TEST_LAYOUT=split|compact forces one).
TEST_LAYOUTS = {name: os.environ.get("ARCHIPEL_TEST_LAYOUT") or layout
                for name, layout in (("fr", "split"), ("de", "compact"), ("partner", "compact"))}


def wait_until(condition, timeout: float = 30.0, interval: float = 0.1, message: str = "condition"):
    """Poll ``condition`` until it returns a truthy value; fail with ``message`` on timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


def find(items: list[dict], activity_id: str) -> dict | None:
    """The activity with this id among inbox or collection items."""
    return next((a for a in items if a["id"] == activity_id), None)


@pytest.fixture(scope="session")
def rsa_keypair():
    from fedkit.protocol.keys import generate_rsa_keypair

    return generate_rsa_keypair()


class NodeClient:
    """A client of one node: what an employee's app or another server would do over HTTP."""

    def __init__(self, node: Node, mongo: MongoClient, password: str):
        self.node = node
        self.base = node.spec.base_url
        self.host = self.base.split("://", 1)[1]
        self.db = mongo[f"archipel_{node.spec.name}"]
        self.password = password
        self.http = requests.Session()
        self._tokens: dict[str, str] = {}
        # The bearer secret of the node's SCIM endpoint ({base}/scim/v2), as the directory has it.
        self.scim_token = node.env.get("ARCHIPEL_SCIM_TOKEN", "")

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def token(self, username: str) -> str:
        if username not in self._tokens:
            app = self.http.post(f"{self.base}/api/v1/apps",
                                 data={"client_name": "tests", "scopes": "read write follow"}).json()
            resp = self.http.post(f"{self.base}/oauth/token", data={
                "grant_type": "password", "username": username, "password": self.password,
                "client_id": app["client_id"], "client_secret": app["client_secret"],
                "scope": "read write follow"})
            assert resp.status_code == 200, resp.text
            self._tokens[username] = resp.json()["access_token"]
        return self._tokens[username]

    def auth(self, username: str) -> dict:
        return {"Authorization": f"Bearer {self.token(username)}"}

    def post(self, username: str, activity: dict) -> requests.Response:
        return self.http.post(f"{self.actor(username)}/outbox", json=activity, headers=self.auth(username))

    def publish(self, username: str, activity: dict) -> dict:
        resp = self.post(username, activity)
        assert resp.status_code == 201, resp.text
        return resp.json()

    def inbox(self, username: str) -> list[dict]:
        items, url = [], f"{self.actor(username)}/inbox?page=true"
        while url:
            resp = self.http.get(url, headers=self.auth(username))
            assert resp.status_code == 200, resp.text
            page = resp.json()
            items.extend(page["orderedItems"])
            url = page.get("next")
        return items

    def inbox_ids(self, username: str) -> list[str]:
        return [a["id"] for a in self.inbox(username)]

    def collection_items(self, url: str, **kwargs) -> list:
        resp = self.http.get(url + "?page=true", **kwargs)
        assert resp.status_code == 200, resp.text
        return resp.json()["orderedItems"]

    def api(self, method: str, path: str, username: str | None = None, **kwargs) -> requests.Response:
        """A request to this node's public API, with ``username``'s token if given."""
        headers = kwargs.pop("headers", {}) | (self.auth(username) if username else {})
        return self.http.request(method, self.base + path, headers=headers, **kwargs)

    def create_community(self, username: str, **fields) -> dict:
        resp = self.api("POST", "/communities", username, json=fields)
        assert resp.status_code == 201, resp.text
        return resp.json()

    def followers(self, username: str) -> list[str]:
        return self.collection_items(f"{self.actor(username)}/followers")

    def following(self, username: str) -> list[str]:
        return self.collection_items(f"{self.actor(username)}/following")

    def follow_and_wait(self, username: str, other: NodeClient, followee: str) -> None:
        """``username`` here follows ``followee`` on ``other``, and both nodes have applied it:
        the followee's node lists the follower, and this node has applied the Accept (else a
        post the followee writes next may reach this node before it knows of the follow)."""
        if self.actor(username) not in other.followers(followee):
            self.publish(username, {"type": "Follow", "object": other.actor(followee)})
            wait_until(lambda: self.actor(username) in other.followers(followee),
                       message=f"{followee}'s Accept of {username}")
        wait_until(lambda: self.db.follows.find_one({"follower": self.actor(username), "followee": other.actor(followee),
                                                     "state": "accepted"}), message=f"the Accept on {self.host}")

    def proxy_fetch(self, username: str, object_id: str) -> requests.Response:
        return self.http.post(f"{self.base}/proxy", data={"id": object_id}, headers=self.auth(username))

    def signed_fetch(self, username: str, url: str) -> requests.Response:
        """A GET signed as ``username`` with their key from this node's vault, as their node
        signs one: for JSON that is no ActivityStreams document (the proxy relays only those)."""
        from fedkit.protocol import httpsig
        key = self.db.actor_keys.find_one({"_id": self.actor(username)})
        headers = {"Accept": "application/json"}
        headers.update(httpsig.sign_request("GET", url, key_id=key["key_id"], private_key_pem=key["private_pem"]))
        return self.http.get(url, headers=headers)


class Group:
    def __init__(self, infra: Infra, nodes: dict[str, Node], password: str, idp: GroupIdP):
        self.infra = infra
        self.idp = idp
        self.nodes = nodes
        self.mongo = MongoClient(infra.mongodb_uri, tz_aware=True)
        self.clients = {name: NodeClient(node, self.mongo, password) for name, node in nodes.items()}

    def __getitem__(self, name: str) -> NodeClient:
        return self.clients[name]


@pytest.fixture(scope="session")
def infra():
    """A real MongoDB-protocol server (SecantusDB, in memory) and a real Redis."""
    import signal
    import sys

    # A CI timeout's SIGTERM unwinds the fixtures, so every started process is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    data_dir = Path(tempfile.mkdtemp(prefix="archipel-test-"))
    infra = Infra(data_dir, free_port(), free_port(), in_memory=True)
    try:
        infra.start()
        yield infra
    finally:
        infra.stop()
        if os.environ.get("ARCHIPEL_KEEP_TEST_LOGS"):
            print(f"test logs kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def _session_mongo(infra):
    client = MongoClient(infra.mongodb_uri, tz_aware=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def session_db(infra, _session_mongo):
    """One database of the test server for the whole session, its indexes made once."""
    import uuid

    import mongoengine

    from deploy.migrate import DOCUMENTS
    from fedkit.runtime.db import ensure_indexes

    name = f"unit_{uuid.uuid4().hex[:12]}"
    mongoengine.disconnect()
    mongoengine.connect(db=name, host=infra.mongodb_uri, uuidRepresentation="standard", tz_aware=True)
    ensure_indexes(DOCUMENTS)
    _COLLECTIONS[name] = set(_session_mongo[name].list_collection_names())
    yield name
    _session_mongo.drop_database(name)
    mongoengine.disconnect()


_COLLECTIONS: dict[str, set[str]] = {}  # session database -> its collections once migrated


def truncate(infra, name: str, client: MongoClient) -> None:
    """Empty every collection of the session database (indexes kept) and the session's
    Redis keys (queues and streams named after it): the next test starts clean."""
    import redis

    database = client[name]
    present = set(database.list_collection_names())
    for collection in present:
        database[collection].delete_many({})
    if not _COLLECTIONS[name] <= present:  # a test dropped a collection: its indexes went with it
        from deploy.migrate import DOCUMENTS
        from fedkit.runtime.db import ensure_indexes

        ensure_indexes(DOCUMENTS)
    keys = redis.Redis.from_url(infra.redis_url)
    try:
        stale = list(keys.scan_iter(f"archipel-{name}*", count=1000))
        if stale:
            keys.delete(*stale)
    finally:
        keys.close()


def reset_process_memos() -> None:
    """What a process remembers between requests about keys and actors (a new test's
    database holds other ones under the same ids)."""
    from fedkit.protocol import actors, key_fetch
    from fedkit.runtime import keystore
    keystore._load.cache_clear()
    actors._KEY_MEMO.clear()
    actors._SUSPENSION_MEMO.clear()
    key_fetch.GATE.reset()


@pytest.fixture
def db(infra, session_db, _session_mongo):
    """mongoengine connected to the session's database, emptied after the test (one
    database and one set of indexes per session: a test pays a truncation, not a
    createIndexes per collection)."""
    import mongoengine

    mongoengine.disconnect()
    mongoengine.connect(db=session_db, host=infra.mongodb_uri, uuidRepresentation="standard", tz_aware=True)
    reset_process_memos()
    yield session_db
    truncate(infra, session_db, _session_mongo)
    reset_process_memos()


@pytest.fixture(scope="session")
def group(infra):
    """fr (alice, alain, amelie) and de (bob, berta), the group's member nodes, and partner
    (paula, pierre) outside it: every process real, on free loopback ports."""
    from fedkit.rules.registry import write_registry

    secrets_ = load_or_create_secrets(infra.data_dir / "secrets.json")
    specs = {"fr": NodeSpec("fr", free_port(), ("alice", "alain", "amelie")),
             "de": NodeSpec("de", free_port(), ("bob", "berta")),
             "partner": NodeSpec("partner", free_port(), ("paula", "pierre"))}
    idp = GroupIdP(infra, free_port(), secrets_)
    registry = infra.data_dir / "group-registry.json"
    write_registry(registry, "test", [(name, specs[name].base_url) for name in ("fr", "de")],
                   identity_provider=idp.discovery_url)
    dlp_rules = infra.data_dir / "dlp-rules.json"
    dlp_rules.write_text(json.dumps(DLP_RULES), encoding="utf-8")
    inside = {**TEST_NODE_ENV, "ARCHIPEL_GROUP_REGISTRY": str(registry), "ARCHIPEL_DLP_RULES": str(dlp_rules),
              "ARCHIPEL_DEMO_IDP_ISSUER": idp.base_url}
    # Both layouts in every run: fr is split (a process per service), de and partner are
    # compact (deploy/compact_node.py); every test of the suite crosses both.
    nodes = {name: Node(spec, infra, secrets_, {**inside, **oidc_client_env(name, secrets_)}
                        if name != "partner" else TEST_NODE_ENV, 1, layout=TEST_LAYOUTS[name])
             for name, spec in specs.items()}
    try:
        idp.start([specs["fr"], specs["de"]])
        for node in nodes.values():
            node.start()
        yield Group(infra, nodes, secrets_["demo_password"], idp)
    finally:
        for node in nodes.values():
            node.stop()
        idp.stop()


@pytest.fixture
def peer():
    server = PeerServer()
    yield server
    server.close()
