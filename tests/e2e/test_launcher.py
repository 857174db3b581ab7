"""``make run`` as a newcomer meets it: the launcher starts the demo group, prints how
to try it, serves the seeded accounts, and SIGTERM leaves no process and no port behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import requests

from deploy.supervision import free_port, port_is_free
from tests.plugin import REPO, wait_until


def demo_process(module: str, base_url: str) -> int | None:
    """The pid of the demo's process running ``module`` for the node at ``base_url``."""
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
            with open(f"/proc/{entry}/environ", "rb") as fh:
                environ = fh.read().split(b"\0")
        except (OSError, ValueError):
            continue
        if module.encode() in argv and f"ARCHIPEL_BASE_URL={base_url}".encode() in environ:
            return int(entry)
    return None


def test_launcher_starts_the_demo_and_stops_cleanly(tmp_path):
    ports = {"ARCHIPEL_FR_PORT": free_port(), "ARCHIPEL_DE_PORT": free_port(), "ARCHIPEL_PARTNER_PORT": free_port(),
             "ARCHIPEL_IDP_PORT": free_port(),
             "ARCHIPEL_MONGO_PORT": free_port(), "ARCHIPEL_REDIS_PORT": free_port()}
    env = dict(os.environ, ARCHIPEL_DEMO_DIR=str(tmp_path / "demo"), ARCHIPEL_DEMO_PASSWORD="pw-for-test",
               **{k: str(v) for k, v in ports.items()})
    out = tmp_path / "out.txt"
    with open(out, "w") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "deploy.launcher"], cwd=REPO, env=env,
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until(lambda: "Ctrl-C stops everything" in out.read_text() or proc.poll() is not None,
                   timeout=120, message="the launcher to report the group ready")
        text = out.read_text()
        assert proc.poll() is None, text
        fr = f"http://127.0.0.1:{ports['ARCHIPEL_FR_PORT']}"
        de = f"http://127.0.0.1:{ports['ARCHIPEL_DE_PORT']}"
        partner = f"http://127.0.0.1:{ports['ARCHIPEL_PARTNER_PORT']}"
        assert fr in text and de in text and partner in text and "pw-for-test" in text
        # the demo's administrator with a second factor, and her authenticator's secret
        assert "anna signs in with a one-time code: TOTP secret " in text
        assert f"{partner}   accounts: paula" in text and "(outside the group, compact layout)" in text
        assert "(in the group, split layout)" in text and "(in the group, compact layout)" in text
        registry = json.loads((tmp_path / "demo" / "group-registry.json").read_text())
        assert [n["base_url"] for n in registry["nodes"]] == [fr, de]  # partner is outside
        idp = f"http://127.0.0.1:{ports['ARCHIPEL_IDP_PORT']}"
        assert idp in text and registry["identity_provider"] == f"{idp}/.well-known/openid-configuration"
        assert requests.get(registry["identity_provider"]).json()["issuer"] == idp
        for base, user in ((fr, "alice"), (fr, "alain"), (de, "bob"), (de, "berta"), (partner, "paula"),
                           (partner, "pierre")):
            host = base.split("://")[1]
            resp = requests.get(f"{base}/.well-known/webfinger", params={"resource": f"acct:{user}@{host}"})
            assert resp.status_code == 200, (user, resp.text)
        app = requests.post(f"{de}/api/v1/apps", data={"client_name": "t", "scopes": "read"}).json()
        token = requests.post(f"{de}/oauth/token", data={
            "grant_type": "password", "username": "bob", "password": "pw-for-test",
            "client_id": app["client_id"], "client_secret": app["client_secret"], "scope": "read"})
        assert token.status_code == 200
        # A process that dies is restarted by the launcher, which says so (as Kubernetes would).
        worker = demo_process("services.inbox.worker", fr)
        os.kill(worker, signal.SIGKILL)
        wait_until(lambda: "fr inbox-worker restarted" in out.read_text(), timeout=30,
                   message="the launcher to restart fr's inbox worker")
        assert "fr inbox-worker exited (-9); restarting in 1 s" in out.read_text()
        assert demo_process("services.inbox.worker", fr) not in (None, worker)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 0
    assert "stopped." in out.read_text()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(port_is_free(p) for p in ports.values()):
        time.sleep(0.1)
    assert all(port_is_free(p) for p in ports.values()), "a port is still held after the launcher stopped"
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert leftovers == [], f"processes left behind: {leftovers}"
