"""The Kubernetes manifests (deploy/kubernetes/) run every process the launcher runs
(deploy/processes.py), probe each where it answers (/livez and /readyz, fedkit/runtime/health.py),
and give every container what each process reads: the group registry and the usage charter
(the group's, named by the registry, and the node's additions). Read as kustomize builds
them: the base's resources with its patches applied (and, where kubectl is installed, the
overlays built by it)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy.processes import SERVICES, STREAMING, WORKERS
from fedkit.runtime.health import LIVE, READY

ROOT = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
BASE = ROOT / "base"
REGISTRY_DIR = "/etc/archipel"


def _load(path: Path) -> list:
    with open(path, encoding="utf-8") as fh:
        # a JSON round trip: YAML aliases become copies, as kustomize expands them
        return [json.loads(json.dumps(doc)) for doc in yaml.safe_load_all(fh) if doc]


def _add(doc, pointer: str, value) -> None:
    """JSON6902 ``add`` (the only op the base's patches use)."""
    *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in pointer.strip("/").split("/")]
    for part in parents:
        doc = doc[int(part)] if isinstance(doc, list) else doc.setdefault(part, {})
    if isinstance(doc, list):
        doc.append(value) if last == "-" else doc.insert(int(last), value)
    else:
        doc[last] = value


def _matches(doc: dict, target: dict) -> bool:
    if target.get("kind") and doc["kind"] != target["kind"]:
        return False
    if target.get("name") and doc["metadata"]["name"] != target["name"]:
        return False
    for pair in filter(None, (target.get("labelSelector") or "").split(",")):
        key, value = pair.split("=")
        if doc["metadata"].get("labels", {}).get(key) != value:
            return False
    return True


@pytest.fixture(scope="module")
def kustomization() -> dict:
    return _load(BASE / "kustomization.yaml")[0]


@pytest.fixture(scope="module")
def built(kustomization) -> list[dict]:
    """The base's resources with its JSON6902 patches applied, as kustomize would."""
    docs = [doc for name in kustomization["resources"] for doc in _load(BASE / name)]
    for patch in kustomization.get("patches", []):
        ops = _load(BASE / patch["path"])[0]
        for doc in docs:
            if _matches(doc, patch["target"]):
                for op in ops:
                    assert op["op"] == "add", op
                    _add(doc, op["path"], copy.deepcopy(op["value"]))
    return docs


def _workloads(docs) -> list[dict]:
    return [d for d in docs if d["kind"] in ("Deployment", "Job")]


def _containers(docs, kinds=("Deployment",)):
    for doc in docs:
        if doc["kind"] in kinds:
            for container in doc["spec"]["template"]["spec"]["containers"]:
                yield doc, container


def _runs(container: dict, module: str) -> bool:
    return any(module in str(arg) for arg in container.get("command", []) + container.get("args", []))


def test_every_manifest_is_a_resource_of_the_base(kustomization):
    patches = {p["path"] for p in kustomization.get("patches", [])}
    files = {p.name for p in BASE.glob("*.yaml")} - {"kustomization.yaml"} - patches
    assert files == set(kustomization["resources"])


def test_every_process_of_a_node_runs_in_a_deployment(built):
    modules = {"gateway": "gateway.app:create_app()", STREAMING: "services.streaming.server",
               **{service: f"services.{service}.app:create_app()" for service in SERVICES}, **WORKERS}
    missing = [name for name, module in modules.items()
               if not any(_runs(container, module) for _doc, container in _containers(built))]
    assert missing == []


def _env(container: dict, name: str):
    return next((e.get("value") for e in container.get("env", []) if e["name"] == name), None)


def test_every_container_is_probed_at_livez_and_readyz_where_it_answers(built):
    for doc, container in _containers(built):
        where = f"{doc['metadata']['name']}/{container['name']}"
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        for probe, path in (("livenessProbe", LIVE), ("readinessProbe", READY)):
            assert probe in container, f"{where} has no {probe}"
            http = container[probe].get("httpGet")
            assert http and http["path"] == path, f"{where}: {probe} must GET {path}"
            port = ports.get(http["port"], http["port"])
            assert port in ports.values(), f"{where}: {probe} on a port the container does not declare"
            if _runs(container, "python") and not _runs(container, "gunicorn"):
                # a process without a web server of its own answers on ARCHIPEL_METRICS_PORT
                # (fedkit/runtime/health.serve); the streaming server on its own port
                assert str(port) in (_env(container, "ARCHIPEL_METRICS_PORT"), "4000"), where


def _config_literals(kustomization, name: str) -> dict[str, str]:
    generator = next(g for g in kustomization["configMapGenerator"] if g["name"] == name)
    return dict(literal.split("=", 1) for literal in generator.get("literals", []))


def _mounted_files(doc: dict, container: dict) -> set[str]:
    """The files of ConfigMaps (plain or projected volumes) this container sees, by path."""
    volumes = {v["name"]: v for v in doc["spec"]["template"]["spec"].get("volumes", [])}
    seen = set()
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        sources = [s["configMap"] for s in volume.get("projected", {}).get("sources", []) if "configMap" in s]
        sources += [volume["configMap"]] if "configMap" in volume else []
        for source in sources:
            seen |= {f"{mount['mountPath']}/{item['path']}" for item in source.get("items", [])}
    return seen


def test_every_container_reads_the_registry_and_the_usage_charter(kustomization, built):
    literals = _config_literals(kustomization, "archipel-config")
    registry_path = literals["ARCHIPEL_GROUP_REGISTRY"]
    generator = next(g for g in kustomization["configMapGenerator"] if g["name"] == "archipel-group-registry")
    registry = json.loads((BASE / "group-registry.json").read_text(encoding="utf-8"))
    assert registry.get("charter"), "the example registry names the group's usage charter"
    assert registry["charter"] in generator["files"], "the charter file is in the registry's ConfigMap"
    charter_path = f"{Path(registry_path).parent}/{registry['charter']}"
    additions_path = literals.get("ARCHIPEL_CHARTER_ADDITIONS")
    assert additions_path, "ARCHIPEL_CHARTER_ADDITIONS names the node's additions (an empty file: none)"
    for doc, container in _containers(built, kinds=("Deployment", "Job")):
        files = _mounted_files(doc, container)
        where = f"{doc['metadata']['name']}/{container['name']}"
        assert {registry_path, charter_path, additions_path} <= files, f"{where} sees only {sorted(files)}"


def test_the_readme_names_every_deployment(built):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in _workloads(built):
        assert f"`{doc['metadata']['name']}`" in readme, doc["metadata"]["name"]
    assert "search-index" in readme and "indexer" in readme  # the search pod's volume and sidecar


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (its kustomize) is not installed")
@pytest.mark.parametrize("overlay", ["fr", "de"])
def test_each_overlay_builds_with_the_charter_mounted(overlay):
    out = subprocess.run(["kubectl", "kustomize", str(ROOT / "overlays" / overlay)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    docs = [d for d in yaml.safe_load_all(out.stdout) if d]
    maps = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
    for doc, container in _containers(docs, kinds=("Deployment", "Job")):
        volumes = doc["spec"]["template"]["spec"].get("volumes", [])
        names = {s["configMap"]["name"] for v in volumes for s in v.get("projected", {}).get("sources", [])
                 if "configMap" in s} | {v["configMap"]["name"] for v in volumes if "configMap" in v}
        assert names <= maps, f"{doc['metadata']['name']}: a ConfigMap name kustomize did not hash"
        assert any(m["mountPath"] == REGISTRY_DIR for m in container.get("volumeMounts", [])), container["name"]
