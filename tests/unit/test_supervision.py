"""The launcher's supervision (deploy/processes.py ProcessSet) with real child processes."""

from __future__ import annotations

import os
import signal
import sys

from deploy.supervision import ProcessSet
from tests.plugin import wait_until

SLEEPER = [sys.executable, "-c", "import time; time.sleep(600)"]


def alive(pid: int) -> bool:
    """Running (a killed orphan may stay a zombie until its new parent reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_crashed_process_is_restarted_with_backoff_and_says_so(tmp_path, capfd):
    procs = ProcessSet(tmp_path, label="fr")
    try:
        procs.start("inbox-worker", SLEEPER, dict(os.environ))
        first = procs.crash("inbox-worker")
        second = wait_until(lambda: procs.pid("inbox-worker") not in (None, first), timeout=10,
                            message="the worker to be restarted") and procs.pid("inbox-worker")
        assert procs.restarts["inbox-worker"] == 1
        out = capfd.readouterr().out
        assert "fr inbox-worker exited (-9); restarting in 1 s" in out and f"restarted (pid {second})" in out
        # Crashing again at once doubles the wait.
        procs.crash("inbox-worker")
        wait_until(lambda: procs.restarts.get("inbox-worker") == 2, timeout=10, message="a second restart")
        assert "fr inbox-worker exited (-9); restarting in 2 s" in capfd.readouterr().out
    finally:
        procs.stop()


def test_a_deliberate_stop_is_not_restarted(tmp_path, capfd):
    procs = ProcessSet(tmp_path, label="de")
    try:
        procs.start("delivery-worker", SLEEPER, dict(os.environ))
        pid = procs.pid("delivery-worker")
        procs.stop(["delivery-worker"], sig=signal.SIGKILL)
        assert not alive(pid)
        procs.start("other", SLEEPER, dict(os.environ))  # the supervisor keeps watching
        procs.crash("other")
        wait_until(lambda: procs.restarts.get("other") == 1, timeout=10, message="the other process to restart")
        assert procs.pid("delivery-worker") is None and "delivery-worker" not in procs.restarts
        assert "delivery-worker exited" not in capfd.readouterr().out
    finally:
        procs.stop()


def test_what_a_dead_process_leaves_behind_is_killed_before_the_restart(tmp_path):
    # A gunicorn master killed -9 leaves its workers holding the port: the whole group goes.
    child_pid_file = tmp_path / "child.pid"
    parent = [sys.executable, "-c", (
        "import subprocess, sys, time, pathlib;"
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
        f"pathlib.Path({str(child_pid_file)!r}).write_text(str(c.pid)); time.sleep(600)")]
    procs = ProcessSet(tmp_path, label="fr")
    try:
        procs.start("inbox", parent, dict(os.environ))
        wait_until(lambda: child_pid_file.exists() and child_pid_file.read_text(), timeout=10,
                   message="the child to start")
        orphan = int(child_pid_file.read_text())
        child_pid_file.unlink()
        procs.crash("inbox")
        wait_until(lambda: not alive(orphan), timeout=10, message="the orphaned worker to be killed")
        wait_until(lambda: procs.restarts.get("inbox") == 1, timeout=10, message="the restart")
    finally:
        procs.stop()
