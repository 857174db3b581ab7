"""Rate limits at the gateway, counted in Redis so that every gunicorn worker (and every
gateway replica) of a node shares the counters.

One bucket per request, chosen by who the gateway proved the requester to be:
- a verified server-to-server signature: the signer's host (``remote``; ``member`` for the
  group's member nodes, see ``bucket_for``);
- a bearer token of this node: the local user (``user``);
- anything else (anonymous, or credentials that failed): the client address (``address``),
  which is the real client only when ARCHIPEL_TRUSTED_PROXIES is right.

Fixed windows of ``rate_limit_period`` seconds, as Mastodon (rack-attack) counts them: the
answer carries ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (an ISO 8601 time), as
Mastodon's API does (docs.joinmastodon.org/api/rate-limits); over the limit, 429 with
``Retry-After`` in seconds (RFC 6585 §4, RFC 9110 §10.2.3).

Counted in leases, so that a request does not cost a Redis round trip: a process takes
a block of ``lease_size(limit)`` requests from the window's counter at once (one
``INCRBY``) and serves them from memory. The counter in Redis is therefore what has been
granted, and no window ever admits more than the limit across all processes; the price
is that tokens another process holds unused may make a bucket answer 429 up to
``processes × (lease − 1)`` requests early (under 1 % of the limit per process), and
``X-RateLimit-Remaining`` counts those as spent. Small limits (under 200) lease one
request at a time: exact, as before. A bucket Redis has shown spent stays spent in this
process until its window ends (counts only grow), so refusals cost no round trip either.

If Redis does not answer, requests are served unlimited (one warning per outage): the
limits protect the node from abuse, they carry no state anyone depends on, and Redis is
only the queue's nudge channel elsewhere (MongoDB holds every state, sweepers catch up) —
refusing every request while Redis is down would turn a Redis outage into a whole node's
outage for its users and, through 429/503 and their back-off, for the rest of the group.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from dataclasses import dataclass

import redis

from fedkit.rules.registry import GroupRegistry, origin_of
from fedkit.runtime.config import Config

log = logging.getLogger(__name__)

# After Redis failed, the next attempt waits this long (a dead Redis must not add its
# connect timeout to every request).
RETRY_REDIS_AFTER = 5.0
MAX_LEASE = 50  # requests a process takes from a bucket's counter at once, at most


@dataclass(frozen=True)
class Bucket:
    kind: str  # "remote", "member", "user", "address"
    key: str
    limit: int  # requests per period; 0: unlimited


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the window ends

    def headers(self) -> dict[str, str]:
        reset = dt.datetime.fromtimestamp(self.reset_at, dt.UTC).isoformat(timespec="milliseconds")
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": reset.replace("+00:00", "Z")}

    def retry_after(self, now: float | None = None) -> int:
        return max(1, math.ceil(self.reset_at - (time.time() if now is None else now)))


def host_of(actor_id: str) -> str:
    return origin_of(actor_id).split("://", 1)[-1]


def bucket_for(*, signer: str | None, user: str | None, address: str | None,
               config: Config, registry: GroupRegistry) -> Bucket | None:
    """The bucket a request counts against; None for this node's own signed requests.

    Member nodes get a higher limit than outsiders: they are run by the group under its
    registry, and their traffic is the group's own (group-audience posts, community relays
    and their reactions arrive in bursts from a few shared inboxes); throttling them would
    delay colleagues' posts. They are still limited, so a runaway member (a loop, a
    compromised node) cannot flood the others.
    """
    if signer:
        if origin_of(signer) == origin_of(config.base_url):
            return None
        if registry.is_inside(signer):
            return Bucket("member", host_of(signer), config.rate_limit_member)
        return Bucket("remote", host_of(signer), config.rate_limit_remote)
    if user:
        return Bucket("user", user, config.rate_limit_user)
    return Bucket("address", address or "unknown", config.rate_limit_address)


def lease_size(limit: int) -> int:
    """Requests a process takes from Redis at once for a bucket of ``limit``: 1 (exact
    counting) below 200, then 1 % of the limit, at most ``MAX_LEASE``."""
    return max(1, min(MAX_LEASE, limit // 100))


class RateLimiter:
    def __init__(self, config: Config):
        self.period = max(1, config.rate_limit_period)
        self.prefix = f"archipel-{config.queue_prefix}:ratelimit"
        self.redis = redis.Redis.from_url(config.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._down_until = 0.0
        self._warned = False
        self._lock = threading.Lock()
        # Redis key of a bucket's window -> [tokens leased and not used yet, the window's
        # counter in Redis when last seen]; only the current windows are kept.
        self._leases: dict[str, list[int]] = {}
        self._window = -1

    def hit(self, bucket: Bucket, now: float | None = None) -> Verdict | None:
        """Count one request; None when the bucket is unlimited or Redis is unavailable."""
        if bucket.limit <= 0:
            return None
        now = time.time() if now is None else now
        if now < self._down_until:
            return None
        window = int(now // self.period)
        key = f"{self.prefix}:{bucket.kind}:{bucket.key}:{window}"
        reset_at = (window + 1) * self.period
        with self._lock:
            if window != self._window:  # a new window: the old leases are void
                self._window, self._leases = window, {}
            lease = self._leases.get(key)
            if lease is not None and (lease[0] > 0 or lease[1] >= bucket.limit):
                if lease[0] > 0:
                    lease[0] -= 1
                    return self._verdict(bucket, lease, reset_at, allowed=True)
                return self._verdict(bucket, lease, reset_at, allowed=False)
        size = lease_size(bucket.limit)
        try:
            pipe = self.redis.pipeline(transaction=False)
            pipe.incrby(key, size)
            pipe.expire(key, self.period + 60)
            counter = int(pipe.execute()[0])
        except redis.RedisError as exc:
            with self._lock:
                self._down_until = now + RETRY_REDIS_AFTER
                if not self._warned:
                    self._warned = True
                    log.warning("rate limits off: Redis is not answering (%s); requests are served "
                                "unlimited until it is back", type(exc).__name__)
            return None
        if self._warned:
            with self._lock:
                self._warned = False
            log.warning("rate limits on again: Redis answers")
        # Of the ``size`` just taken, those still under the limit are this process's.
        granted = max(0, min(size, bucket.limit - (counter - size)))
        with self._lock:
            if window != self._window:
                self._window, self._leases = window, {}
            lease = self._leases.setdefault(key, [0, 0])
            lease[0] += max(0, granted - 1)
            lease[1] = max(lease[1], counter)
            return self._verdict(bucket, lease, reset_at, allowed=granted > 0)

    @staticmethod
    def _verdict(bucket: Bucket, lease: list[int], reset_at: float, allowed: bool) -> Verdict:
        # Spent: all the window's counter but what this process still holds.
        spent = lease[1] - lease[0]
        return Verdict(allowed=allowed, limit=bucket.limit, remaining=max(0, bucket.limit - spent) if allowed else 0,
                       reset_at=reset_at)
