"""The gateway's rate limiter (gateway/limits.py): which bucket a request counts against,
fixed windows in a real Redis, Mastodon's headers, and failing open when Redis is down."""

from __future__ import annotations

import logging
import uuid

import pytest

from deploy.supervision import free_port
from fedkit.rules.registry import GroupRegistry, MemberNode
from fedkit.runtime.config import Config
from gateway.limits import Bucket, RateLimiter, Verdict, bucket_for

FR, DE = "https://fr.example", "https://de.example"
CONFIG = Config(node_name="fr", base_url=FR, rate_limit_user=300, rate_limit_address=301,
                rate_limit_remote=1500, rate_limit_member=15000)
REGISTRY = GroupRegistry(name="test", audience="urn:archipel:group:test", nodes=(
    MemberNode("fr", FR, f"{FR}/actor"), MemberNode("de", DE, f"{DE}/actor")))


@pytest.mark.parametrize(("signer", "user", "address", "expected"), [
    ("https://out.example/users/o", None, "198.51.100.7", Bucket("remote", "out.example", 1500)),
    ("https://out.example:8443/actor", None, None, Bucket("remote", "out.example:8443", 1500)),
    (f"{DE}/users/bob", None, "198.51.100.7", Bucket("member", "de.example", 15000)),
    (f"{FR}/actor", None, "127.0.0.1", None),  # this node's own signed requests
    (None, "alice", "198.51.100.7", Bucket("user", "alice", 300)),
    (None, None, "198.51.100.7", Bucket("address", "198.51.100.7", 301)),
    (None, None, None, Bucket("address", "unknown", 301)),
])
def test_bucket_for(signer, user, address, expected):
    assert bucket_for(signer=signer, user=user, address=address, config=CONFIG, registry=REGISTRY) == expected


def test_verdict_headers_follow_mastodon():
    verdict = Verdict(allowed=False, limit=300, remaining=0, reset_at=1_800_000_000.0)
    assert verdict.headers() == {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                                 "X-RateLimit-Reset": "2027-01-15T08:00:00.000Z"}
    assert verdict.retry_after(now=1_800_000_000.0 - 12.5) == 13
    assert verdict.retry_after(now=1_800_000_000.0 + 5) == 1  # never 0


def test_fixed_windows_in_redis(infra):
    limiter = RateLimiter(Config(redis_url=infra.redis_url, queue_prefix=f"t{uuid.uuid4().hex[:8]}",
                                 rate_limit_period=60))
    bucket, other = Bucket("user", "alice", 3), Bucket("user", "alain", 3)
    start = 6000 * 60.0 + 1  # the start of a window
    verdicts = [limiter.hit(bucket, now=start + i) for i in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
    assert {v.reset_at for v in verdicts} == {6001 * 60.0}
    assert limiter.hit(other, now=start).remaining == 2  # buckets are separate
    assert limiter.hit(bucket, now=6001 * 60.0).allowed  # the next window starts afresh
    assert limiter.hit(Bucket("user", "alice", 0), now=start) is None  # 0: unlimited


def test_a_second_limiter_shares_the_counters(infra):
    """Every gunicorn worker has its own limiter; Redis holds the one count."""
    config = Config(redis_url=infra.redis_url, queue_prefix=f"t{uuid.uuid4().hex[:8]}", rate_limit_period=60)
    one, two = RateLimiter(config), RateLimiter(config)
    bucket = Bucket("address", "192.0.2.1", 2)
    assert one.hit(bucket, now=60.0).allowed and two.hit(bucket, now=61.0).allowed
    assert not one.hit(bucket, now=62.0).allowed


def test_redis_down_serves_unlimited_and_warns_once(caplog):
    limiter = RateLimiter(Config(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    bucket = Bucket("user", "alice", 1)
    with caplog.at_level(logging.WARNING, logger="gateway.limits"):
        assert limiter.hit(bucket, now=1000.0) is None
        assert limiter.hit(bucket, now=1001.0) is None  # not retried for a few seconds
        assert limiter.hit(bucket, now=1010.0) is None  # retried, still down: no second warning
    warnings = [r for r in caplog.records if "Redis is not answering" in r.getMessage()]
    assert len(warnings) == 1


def test_large_limits_are_leased_so_most_requests_cost_no_redis_round_trip(infra):
    """A process takes 1 % of a large limit at once: the requests of that lease are
    counted in memory (here Redis disappears after the first and they are still limited)."""
    limiter = RateLimiter(Config(redis_url=infra.redis_url, queue_prefix=f"t{uuid.uuid4().hex[:8]}",
                                 rate_limit_period=60))
    bucket = Bucket("member", "de.example", 1000)  # leases of 10
    first = limiter.hit(bucket, now=60.0)
    assert first.allowed and first.remaining == 990 + 9  # the lease's other 9 are this process's
    limiter.redis = type(limiter.redis).from_url(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.2,
                                                 socket_connect_timeout=0.2)
    verdicts = [limiter.hit(bucket, now=61.0) for _ in range(9)]
    assert all(v is not None and v.allowed for v in verdicts)
    assert [v.remaining for v in verdicts] == list(range(998, 989, -1))
    assert limiter.hit(bucket, now=62.0) is None  # the lease is spent: Redis again (down: unlimited)


def test_leases_never_admit_more_than_the_limit_across_processes(infra):
    config = Config(redis_url=infra.redis_url, queue_prefix=f"t{uuid.uuid4().hex[:8]}", rate_limit_period=60)
    limiters = [RateLimiter(config) for _ in range(3)]
    bucket = Bucket("remote", "out.example", 1000)  # leases of 10
    allowed = sum(limiters[i % 3].hit(bucket, now=120.0 + i / 1000).allowed for i in range(1100))
    # Tokens the other processes still hold are lost to this window, never added to it.
    assert 1000 - 3 * 9 <= allowed <= 1000
    refused = [limiter.hit(bucket, now=121.5) for limiter in limiters]
    assert not any(v.allowed for v in refused) and {v.remaining for v in refused} == {0}
    assert all(limiter.hit(bucket, now=180.0).allowed for limiter in limiters)  # a new window


def test_small_limits_are_counted_exactly_across_processes(infra):
    config = Config(redis_url=infra.redis_url, queue_prefix=f"t{uuid.uuid4().hex[:8]}", rate_limit_period=60)
    one, two = RateLimiter(config), RateLimiter(config)
    bucket = Bucket("user", "alice", 5)
    verdicts = [(one if i % 2 else two).hit(bucket, now=60.0 + i) for i in range(6)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    assert [v.remaining for v in verdicts] == [4, 3, 2, 1, 0, 0]
