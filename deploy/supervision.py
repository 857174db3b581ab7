"""Supervised child processes and loopback ports: what the demo launcher, the tests and
the benchmark use to run a node group's processes (``deploy/processes.py`` says which)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process {proc.args!r} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT is fine
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class ProcessSet:
    """Child processes in their own process groups, supervised and stopped together.

    A process that exits without being stopped is restarted, as Kubernetes restarts a
    crashed container: what remains of its process group (a gunicorn master's workers) is
    killed first, then it starts again after a backoff (1 s, doubling up to 30 s, back to
    1 s once it has run for 30 s); each restart is announced on standard output. A
    process stopped by ``stop`` (a deliberate stop) is not restarted.
    """

    BACKOFF_FIRST, BACKOFF_MAX, STABLE_AFTER = 1.0, 30.0, 30.0

    def __init__(self, log_dir: Path, label: str = "", supervise: bool = True):
        self.log_dir = log_dir
        self.label = label
        self.supervise = supervise
        self.procs: dict[str, subprocess.Popen] = {}
        self.restarts: dict[str, int] = {}  # how many times each process was restarted
        self._commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        self._started_at: dict[str, float] = {}
        self._backoff: dict[str, float] = {}
        self._due: dict[str, float] = {}  # name -> when it restarts
        self._lock = threading.RLock()
        self._monitor: threading.Thread | None = None

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        with self._lock:
            self._commands[name] = (argv, env)
            self._due.pop(name, None)
            proc = self._spawn(name)
            if self.supervise and (self._monitor is None or not self._monitor.is_alive()):
                self._monitor = threading.Thread(target=self._watch, name=f"supervisor {self.label}", daemon=True)
                self._monitor.start()
        return proc

    def _spawn(self, name: str) -> subprocess.Popen:
        argv, env = self._commands[name]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.procs[name] = proc
        self._started_at[name] = time.monotonic()
        return proc

    def _say(self, text: str) -> None:
        print(f"{self.label} {text}".strip(), flush=True)

    def _watch(self) -> None:
        while True:
            with self._lock:
                if not self.procs and not self._due:
                    self._monitor = None
                    return
                current = time.monotonic()
                for name, proc in list(self.procs.items()):
                    if proc.poll() is None:
                        continue
                    del self.procs[name]
                    _kill_group(proc.pid)  # what the dead process leaves behind (its workers)
                    ran = current - self._started_at.get(name, current)
                    delay = self.BACKOFF_FIRST if ran >= self.STABLE_AFTER else \
                        min(self.BACKOFF_MAX, self._backoff.get(name, self.BACKOFF_FIRST / 2) * 2)
                    self._backoff[name] = delay
                    self._due[name] = current + delay
                    self._say(f"{name} exited ({proc.returncode}); restarting in {delay:g} s")
                for name, due in list(self._due.items()):
                    if due <= current:
                        del self._due[name]
                        try:
                            proc = self._spawn(name)
                        except OSError as exc:
                            self._due[name] = current + self.BACKOFF_MAX
                            self._say(f"{name} could not restart: {exc}")
                            continue
                        self.restarts[name] = self.restarts.get(name, 0) + 1
                        self._say(f"{name} restarted (pid {proc.pid})")
            time.sleep(0.2)

    def pid(self, name: str) -> int | None:
        with self._lock:
            proc = self.procs.get(name)
            return proc.pid if proc is not None and proc.poll() is None else None

    def crash(self, name: str, sig=signal.SIGKILL) -> int:
        """Kill a process as a crash would (``kill -9 PID``): it is not a stop, so it is
        restarted. Returns the killed pid."""
        with self._lock:
            proc = self.procs[name]
            os.kill(proc.pid, sig)
            return proc.pid

    def stop(self, names: list[str] | None = None, timeout: float = 10.0, sig=signal.SIGTERM) -> None:
        with self._lock:
            names = list({*self.procs, *self._due}) if names is None else names
            targets = [(n, self.procs.pop(n)) for n in names if n in self.procs]
            for name in names:
                self._due.pop(name, None)  # a deliberate stop is not restarted
        for _, proc in targets:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for _, proc in targets:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _kill_group(proc.pid)
                proc.wait()


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def wait_for_ports_free(ports, timeout: float = 15.0) -> None:
    """After a stop, until nothing listens any more (a server's children may linger)."""
    deadline = time.monotonic() + timeout
    for port in ports:
        while not port_is_free(port) and time.monotonic() < deadline:
            time.sleep(0.1)
