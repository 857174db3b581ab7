"""Bounded key fetches: an unknown ``keyId`` cannot hold the gateway.

The gateway verifies a signature before anything else, and an unknown key means fetching
it from wherever the ``keyId`` points — a server the sender chooses, which may accept and
never answer. Unbounded, twenty such requests held every thread of the gateway for tens of
seconds and NodeInfo waited as long.

The model chosen: bounded fetch slots in the threaded (gunicorn gthread) gateway.

* A key fetch takes a slot: at most ``ARCHIPEL_KEY_FETCH_PER_HOST`` at once for one host
  and ``ARCHIPEL_KEY_FETCH_CONCURRENCY`` in all, per gateway process. Taking a slot never
  waits: without one the request is answered at once with 503 and ``Retry-After``. Remote
  servers retry a delivery answered 5xx (Mastodon, Archipel), so a quick refusal loses
  nothing, while a 401 would make them drop it (4xx other than 408/429 is final).
* A fetch has a short timeout (``ARCHIPEL_KEY_FETCH_TIMEOUT``) and is not retried.
* A failure is remembered (``ARCHIPEL_KEY_FETCH_FAILURE_SECONDS``): a host that did not
  answer (timeout, refused connection, 5xx, 429) gets no fetch at all — its requests get
  503 at once; a key whose document was refused (404, 410, not an actor, unsafe URL) gets
  401 at once. Either way nothing is refetched before the delay ends.

So fetches hold at most ``CONCURRENCY`` of a process's threads, each for about the timeout;
the other threads serve known keys (the steady state: the key memo and the actor cache, no
network), bearer tokens and unsigned requests such as NodeInfo without waiting.

Why not the alternatives: async or gevent workers would change every service's stack
(mongoengine, requests, cryptography are blocking) for one code path; answering 401 and
fetching in the background (as some servers do) loses the first delivery from every new
peer (401 is final for Mastodon) and still needs these same bounds on the background
fetches. Limits are per process: a node runs ``workers × CONCURRENCY`` fetches at most.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

from fedkit.runtime.config import Config

MAX_REMEMBERED = 10_000


class KeyFetchRefused(Exception):
    """No key fetch now: answer 503 with ``Retry-After`` (the sender retries later)."""

    def __init__(self, code: str, message: str, retry_after: int):
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


def host_of(key_id: str) -> str:
    try:
        return urlsplit(key_id).netloc.lower()
    except ValueError:
        return ""


class KeyFetchGate:
    """Slots and remembered failures of one process (thread-safe; the lock is held only to
    count, never during a fetch)."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()
        self._total = 0
        self._failed_keys: dict[str, float] = {}  # key id -> until (answer 401)
        self._failed_hosts: dict[str, float] = {}  # host -> until (answer 503)

    def known_bad(self, key_id: str) -> bool:
        """True if this key's document was refused recently (no fetch; the key is unknown).
        Raises KeyFetchRefused if its host did not answer recently."""
        now = self._clock()
        with self._lock:
            until = self._failed_hosts.get(host_of(key_id), 0.0)
            if until > now:
                raise KeyFetchRefused("key_host_unreachable", "the key's server did not answer; try later",
                                      math.ceil(until - now))
            return self._failed_keys.get(key_id, 0.0) > now

    @contextlib.contextmanager
    def slot(self, key_id: str, config: Config):
        """Hold a fetch slot for this key's host, or raise KeyFetchRefused at once."""
        host = host_of(key_id)
        with self._lock:
            if self._total >= config.key_fetch_concurrency or \
                    self._in_flight[host] >= config.key_fetch_per_host:
                raise KeyFetchRefused("key_fetch_busy", "too many key fetches in progress; try later",
                                      max(1, math.ceil(2 * config.key_fetch_timeout)))
            self._total += 1
            self._in_flight[host] += 1
        try:
            yield
        finally:
            with self._lock:
                self._total -= 1
                self._in_flight[host] -= 1
                if self._in_flight[host] <= 0:
                    del self._in_flight[host]

    def failed(self, key_id: str, config: Config, *, host_down: bool) -> None:
        """Remember a failed fetch: the whole host when it did not answer, else the key."""
        until = self._clock() + config.key_fetch_failure_seconds
        with self._lock:
            table, name = (self._failed_hosts, host_of(key_id)) if host_down else (self._failed_keys, key_id)
            if len(table) >= MAX_REMEMBERED:
                now = self._clock()
                for stale in [k for k, t in table.items() if t <= now]:
                    del table[stale]
                if len(table) >= MAX_REMEMBERED:
                    table.clear()
            table[name] = until

    def reset(self) -> None:
        with self._lock:
            self._failed_keys.clear()
            self._failed_hosts.clear()


GATE = KeyFetchGate()
