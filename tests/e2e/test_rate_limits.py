"""Rate limits at the gateway with low limits on a node of its own (``busy``): per remote
server, per user, per client address; 429 with ``Retry-After`` and Mastodon's
``X-RateLimit-*`` headers; a remote server over its limit is retried later, not lost.

The window is a day long so that no window boundary falls inside a test (fixed windows
restart every period; a boundary mid-test would refill the bucket).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.extra_node import extra_node
from tests.plugin import wait_until

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
LIMITS = {"ARCHIPEL_RATE_LIMIT_PERIOD": "86400", "ARCHIPEL_RATE_LIMIT_REMOTE": "3",
          "ARCHIPEL_RATE_LIMIT_USER": "5", "ARCHIPEL_RATE_LIMIT_ADDRESS": "20"}


@pytest.fixture(scope="module")
def busy(group):
    with extra_node(group, "busy", ("rita", "rosa"), LIMITS) as node:
        for user in ("rita", "rosa"):
            node.token(user)  # before the address's budget is spent (4 anonymous requests)
        yield node


def assert_throttled(resp, limit: int) -> None:
    assert resp.status_code == 429, resp.text
    assert resp.json()["error"] == "rate_limited"
    assert 1 <= int(resp.headers["Retry-After"]) <= 86400
    assert resp.headers["X-RateLimit-Limit"] == str(limit) and resp.headers["X-RateLimit-Remaining"] == "0"
    reset = dt.datetime.fromisoformat(resp.headers["X-RateLimit-Reset"])
    assert dt.datetime.now(dt.UTC) < reset <= dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


def test_a_remote_server_over_its_limit_gets_429_and_retries_later(group, busy):
    partner = group["partner"]
    sent = [partner.publish("paula", {"type": "Note", "content": f"note {i}", "to": [busy.actor("rita"), PUBLIC]})
            for i in range(5)]
    ids = [c["id"] for c in sent]

    def ended_or_throttled():
        found = list(partner.db.deliveries.find({"activity_id": {"$in": ids}, "inbox": {"$regex": f"^{busy.base}"}}))
        settled = [d for d in found if d["state"] == "delivered" or d.get("last_status") == 429]
        return found if len(settled) == 5 else None

    try:  # a loaded machine may take a few retries (compressed schedule) to get there
        deliveries = wait_until(ended_or_throttled, timeout=90,
                                message="paula's five deliveries to be delivered or throttled")
    except AssertionError as exc:
        states = [(d["state"], d.get("last_status"), d.get("last_error")) for d in partner.db.deliveries.find(
            {"activity_id": {"$in": ids}, "inbox": {"$regex": f"^{busy.base}"}})]
        raise AssertionError(f"{exc}; deliveries (state, last status, last error): {states}") from None
    delivered = [d for d in deliveries if d["state"] == "delivered"]
    throttled = [d for d in deliveries if d.get("last_status") == 429]
    assert len(delivered) == 3 and len(throttled) == 2  # the partner server's limit is 3
    for delivery in throttled:  # kept for later, at the time Retry-After gave (not lost, not hammered)
        assert delivery["state"] == "retrying"
        wait = delivery["next_attempt_at"].replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
        assert wait > dt.timedelta(seconds=30)
    wait_until(lambda: busy.db.inbox_items.count_documents({"username": "rita"}) == 3,
               message="the three accepted notes in rita's inbox")


def test_a_user_over_the_limit_gets_429_others_do_not(busy):
    inbox = f"{busy.actor('rita')}/inbox"
    for remaining in (4, 3, 2, 1, 0):
        resp = busy.http.get(inbox, headers=busy.auth("rita"))
        assert resp.status_code == 200, resp.text
        assert resp.headers["X-RateLimit-Limit"] == "5"
        assert resp.headers["X-RateLimit-Remaining"] == str(remaining)
    assert_throttled(busy.http.get(inbox, headers=busy.auth("rita")), 5)
    other = busy.http.get(f"{busy.actor('rosa')}/inbox", headers=busy.auth("rosa"))
    assert other.status_code == 200 and other.headers["X-RateLimit-Remaining"] == "4"  # per user


def test_anonymous_requests_are_limited_per_address(busy):
    for _ in range(21):
        resp = busy.http.get(f"{busy.base}/.well-known/nodeinfo")
        if resp.status_code == 429:
            break
        assert resp.status_code == 200 and resp.headers["X-RateLimit-Limit"] == "20"
    assert_throttled(resp, 20)
    # Credentials that fail count as anonymous: no free guessing past the limit.
    assert_throttled(busy.http.get(f"{busy.actor('rita')}/inbox", headers={"Authorization": "Bearer wrong"}), 20)
    # Bearer tokens have their own budget: rosa is not affected by the address's.
    assert busy.http.get(f"{busy.actor('rosa')}/inbox", headers=busy.auth("rosa")).status_code == 200
