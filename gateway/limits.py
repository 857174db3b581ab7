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

from fedkit.config import Config
from fedkit.registry import GroupRegistry, origin_of

log = logging.getLogger(__name__)

# After Redis failed, the next attempt waits this long (a dead Redis must not add its
# connect timeout to every request).
RETRY_REDIS_AFTER = 5.0


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


class RateLimiter:
    def __init__(self, config: Config):
        self.period = max(1, config.rate_limit_period)
        self.prefix = f"archipel-{config.queue_prefix}:ratelimit"
        self.redis = redis.Redis.from_url(config.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._down_until = 0.0
        self._warned = False
        self._lock = threading.Lock()

    def hit(self, bucket: Bucket, now: float | None = None) -> Verdict | None:
        """Count one request; None when the bucket is unlimited or Redis is unavailable."""
        if bucket.limit <= 0:
            return None
        now = time.time() if now is None else now
        if now < self._down_until:
            return None
        window = int(now // self.period)
        key = f"{self.prefix}:{bucket.kind}:{bucket.key}:{window}"
        try:
            pipe = self.redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, self.period + 60)
            count = int(pipe.execute()[0])
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
        return Verdict(allowed=count <= bucket.limit, limit=bucket.limit,
                       remaining=max(0, bucket.limit - count), reset_at=(window + 1) * self.period)
