"""The persistent delivery state machine.

One ``Delivery`` per (activity, target inbox); its states and their allowed moves are
declared in models.py (``DELIVERY_TRANSITIONS``).

A worker claims a due delivery with a lease (fedkit/runtime/leases.py: a lost message or a
killed worker only delays it by one lease); ``Retry-After`` is honoured; after ``host_unavailable_after``
consecutive failures a host is marked unavailable and its deliveries wait for the
next probe; the first success resumes every waiting delivery to it.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import random
import time
from urllib.parse import urlsplit

import requests

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.local_ids import local_username
from fedkit.protocol.vocab import DELETE, UPDATE, id_of, with_context
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime import keystore, leases
from fedkit.runtime.config import Config
from fedkit.runtime.http import signed_post
from fedkit.runtime.internal import InternalClient
from services.outbox.models import (
    DELIVERED,
    DELIVERY,
    DELIVERY_TRANSITIONS,
    FAILED,
    QUEUED,
    RETRYING,
    Delivery,
    HostHealth,
    OutboxActivity,
    now,
)
from services.outbox.objects import served

log = logging.getLogger(__name__)

TRANSITIONS = DELIVERY_TRANSITIONS
PENDING = DELIVERY.pending
RETRYABLE_4XX = {408, 429}


def transition(delivery: Delivery, new_state: str, **fields) -> bool:
    """Move a delivery to ``new_state`` if allowed from its current state (atomic)."""
    return DELIVERY.finish(delivery, new_state, **fields)


def backoff_seconds(attempt: int, config: Config) -> float:
    return config.delivery_backoff_scale * (attempt ** 4 + 15 + random.random() * 10 * (attempt + 1))


def retry_after_seconds(header: str | None) -> float | None:
    if not header:
        return None
    if header.strip().isdigit():
        return float(header.strip())
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now()).total_seconds())


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


def create_deliveries(activity_id: str, actor: str, inboxes: list[str]) -> list[str]:
    """Persist one delivery per target inbox (idempotent); returns the new delivery ids."""
    created = []
    for inbox in dict.fromkeys(inboxes):
        result = Delivery.objects(activity_id=activity_id, inbox=inbox).update_one(
            set_on_insert__actor=actor, set_on_insert__host=host_of(inbox), set_on_insert__state=QUEUED,
            # stored with its queue message (the fan-out sends it): "queued" for one lease
            set_on_insert__holder=leases.QUEUED, set_on_insert__next_attempt_at=leases.nudged_until(),
            upsert=True, full_result=True)
        if result.upserted_id is not None:
            created.append(str(result.upserted_id))
    return created


def due_deliveries(limit: int = 500) -> list[str]:
    return [str(key) for key in DELIVERY.due(limit)]


def _host_waiting(host: str, config: Config) -> dt.datetime | None:
    """When the host is unavailable and this is not a probe, the time of the next probe."""
    health = HostHealth.objects(host=host).first()
    if health is None or not health.unavailable:
        return None
    current = now()
    if health.next_probe_at and health.next_probe_at > current:
        return health.next_probe_at
    # This attempt is the probe; the next one waits a full interval unless it succeeds.
    HostHealth.objects(host=host).update_one(
        set__next_probe_at=current + dt.timedelta(seconds=config.host_probe_interval))
    return None


def _record_success(host: str) -> None:
    health = HostHealth.objects(host=host).first()
    HostHealth.objects(host=host).update_one(
        set__consecutive_failures=0, set__unavailable=False, set__last_success_at=now(), upsert=True)
    if health is not None and health.unavailable:
        # The host answers again: everything waiting for it is due now (not what a worker holds).
        for state in PENDING:
            Delivery.objects(host=host, state=state, holder="").update(set__next_attempt_at=now())
        log.info("host %s is available again", host)


def _record_failure(host: str, config: Config) -> None:
    health = HostHealth.objects(host=host).modify(inc__consecutive_failures=1, upsert=True, new=True)
    if health.consecutive_failures >= config.host_unavailable_after and not health.unavailable:
        HostHealth.objects(host=host).update_one(
            set__unavailable=True,
            set__next_probe_at=now() + dt.timedelta(seconds=config.host_probe_interval))
        log.warning("host %s marked unavailable after %d failures", host, health.consecutive_failures)


CLOSED_RECHECK_SECONDS = 5.0
_closed_memo: dict[str, tuple[float, bool]] = {}
_identity: dict[str, InternalClient] = {}  # one keep-alive client per identity URL


def _signer_closed(actor: str, activity: dict, config: Config, active_at: dt.datetime | None = None) -> bool:
    """Is the signer a local account that has been closed? Its closure announcement (an
    Update of itself with ``suspended``) and its erasure's (a Delete of itself) still go out. Asked of identity, remembered a
    few seconds (``active_at``: identity's answer when the activity was published counts
    too); if identity does not answer, the delivery proceeds (receivers refuse a closed
    actor's signature anyway)."""
    username = local_username(actor, config.base_url)
    if username is None:
        return False
    if active_at is not None and (now() - active_at).total_seconds() < CLOSED_RECHECK_SECONDS:
        return False
    obj = activity.get("object")
    if activity.get("type") == UPDATE and isinstance(obj, dict) and obj.get("id") == actor and "suspended" in obj:
        return False
    if activity.get("type") == DELETE and id_of(obj) == actor:
        return False  # its own Delete: an erased account tells who knows it (services/identity/erasure.py)
    hit = _closed_memo.get(actor)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    try:
        client = _identity.setdefault(config.identity_url, InternalClient(config))
        try:
            account = IdentityClient(client).account(username, timeout=5)
        except requests.HTTPError:  # identity answered, but cannot say: taken as open
            account = None
        closed = account is not None and account.suspended
    except (requests.RequestException, ValueError):
        return False
    _closed_memo[actor] = (time.monotonic() + CLOSED_RECHECK_SECONDS, closed)
    return closed


def deliver(delivery_id: str, config: Config) -> str | None:
    """Attempt one delivery; returns the state it ends in (None if not due or taken)."""
    with DELIVERY.claimed(delivery_id, config.lease_seconds) as delivery:
        return None if delivery is None else _attempt(delivery, config)


def _attempt(delivery, config: Config) -> str:
    probe_at = _host_waiting(delivery.host, config)
    if probe_at is not None:
        DELIVERY.reschedule(delivery, probe_at)
        return delivery.state
    activity = OutboxActivity.objects(activity_id=delivery.activity_id).first()
    if activity is None:
        transition(delivery, FAILED, last_error="activity_missing")
        return FAILED
    if _signer_closed(delivery.actor, activity.raw, config, activity.author_active_at):
        # Queued before the account was closed: it is not sent in its name any more.
        transition(delivery, FAILED, last_error="account_closed")
        return FAILED
    body = json.dumps(with_context(served(activity))).encode()
    key_id, private_pem = keystore.signing_key(delivery.actor)
    status, error, retry_after = None, None, None
    try:
        resp = signed_post(delivery.inbox, body, config, key_id=key_id, private_pem=private_pem)
        status = resp.status_code
        retry_after = retry_after_seconds(resp.headers.get("Retry-After"))
    except UnsafeURL as exc:
        transition(delivery, FAILED, last_error=f"unsafe_url: {exc}")
        return FAILED
    except requests.RequestException as exc:
        error = type(exc).__name__
    attempts = delivery.attempts + 1
    if status is not None and 200 <= status < 300:
        transition(delivery, DELIVERED, attempts=attempts, last_status=status, delivered_at=now())
        _record_success(delivery.host)
        return DELIVERED
    if status is not None and 400 <= status < 500 and status not in RETRYABLE_4XX:
        # The peer answered: it is up, but refuses this activity for good.
        transition(delivery, FAILED, attempts=attempts, last_status=status, last_error="rejected")
        _record_success(delivery.host)
        return FAILED
    if status is not None and status < 500 and status not in RETRYABLE_4XX:
        # 1xx/3xx: nothing sensible to retry
        transition(delivery, FAILED, attempts=attempts, last_status=status, last_error="unexpected_status")
        return FAILED
    _record_failure(delivery.host, config)
    if attempts >= config.delivery_max_attempts:
        transition(delivery, FAILED, attempts=attempts, last_status=status, last_error=error or "gave_up")
        return FAILED
    delay = max(backoff_seconds(attempts, config), retry_after or 0)
    transition(delivery, RETRYING, attempts=attempts, last_status=status, last_error=error,
               next_attempt_at=now() + dt.timedelta(seconds=delay))
    return RETRYING
