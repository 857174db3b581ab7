"""The retention job (issue 12, "Personal data"): what is past its period is deleted or
anonymised, each class of fedkit/runtime/retention.py by its own period.

    python -m deploy.retention --once   one pass (cron, an operator)
    python -m deploy.retention          a pass every ARCHIPEL_RETENTION_CHECK_INTERVAL seconds (the
                                        demo's supervised process, the Kubernetes Deployment; the
                                        compact layout's worker runs it in a thread: start_in_thread)

What a TTL index expires (the audit, SCIM and moderation trails: ``deploy.migrate``; sessions)
is not this job's. One pass:

1. deletes deliveries delivered or failed for good, received activities once applied, and
   notifications, older than their periods;
2. erases the accounts closed longer than ``closed_accounts`` where the group hides departed
   content (``departed_content: hide``; with ``keep`` their knowledge stays), unless a legal
   hold is on them — through identity (services/identity/erasure.py), as an administrator's
   request would;
3. finishes every erasure under way: resumes one stopped midway, and pseudonymises the
   gateway's audit trail of each (the gateway owns it; identity does not reach it), which ends it.

Every step is idempotent: a pass stopped anywhere is finished by the next one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import re
import signal
import threading

import requests

from fedkit.contracts.erasure import ErasureClient, LegalHoldOn
from fedkit.rules.registry import load_registry
from fedkit.runtime import clock, health
from fedkit.runtime import retention as classes
from fedkit.runtime.config import Config
from fedkit.runtime.db import connect_db
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.logs import setup_logging
from gateway.audit import AuditRecord
from services.identity.erasure import AUDIT_TRAIL, STEPS, Erasure, finish_audit_trail
from services.identity.legal_hold import held_usernames
from services.identity.models import Account
from services.inbox.models import IGNORED, PROCESSED, InboundActivity, Notification
from services.outbox.models import DELIVERED, FAILED, Delivery

log = logging.getLogger("archipel.retention")
RETENTION_REASON = "retention: closed for longer than the closed accounts' period"


def _before(config: Config, name: str, now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=config.retention_days(name))


def expire_records(config: Config, now: dt.datetime) -> dict[str, int]:
    """Step 1: the records past their period (deleted, nothing of them kept)."""
    inbound = InboundActivity.objects(state__in=(PROCESSED, IGNORED, FAILED),
                                      received_at__lt=_before(config, classes.INBOUND_ACTIVITIES, now))
    return {
        classes.DELIVERIES: Delivery.objects(state__in=(DELIVERED, FAILED),
                                             created_at__lt=_before(config, classes.DELIVERIES, now)).delete(),
        classes.INBOUND_ACTIVITIES: inbound.delete(),
        classes.NOTIFICATIONS: Notification.objects(created_at__lt=_before(config, classes.NOTIFICATIONS, now)).delete(),
    }


def closed_accounts_due(config: Config, now: dt.datetime) -> list[str]:
    """Step 2's accounts: closed before the period began, not erased yet, not held; none when
    the group keeps departed employees' content."""
    if load_registry(config).keeps_departed_content:
        return []
    closed = [a.username for a in Account.objects(
        suspended=True, erased_at=None, suspended_at__lt=_before(config, classes.CLOSED_ACCOUNTS, now)).only("username")]
    held = held_usernames(closed)
    return [u for u in closed if u not in held]


def pseudonymise_audit_trail(username: str, pseudonym: str) -> int:
    """The gateway's rows of the account: the action stays, the name becomes the pseudonym (as
    the requester, and in the paths that name the account: ``/users/<name>/…``)."""
    named = re.compile(rf"/users/{re.escape(username)}(?=[/?#]|$)")
    changed = AuditRecord.objects(user=username).update(set__user=pseudonym)
    # the path is not indexed: a regex query is safe on the embedded server too
    for row in AuditRecord.objects(__raw__={"path": {"$regex": f"/users/{re.escape(username)}"}}):
        path = named.sub(f"/users/{pseudonym}", row.path or "")
        if path != row.path:
            row.update(set__path=path)
            changed += 1
    return changed


def finish_erasures(config: Config, client: ErasureClient) -> list[str]:
    """Step 3: every erasure under way, resumed where it stopped; its gateway trail last."""
    finished = []
    for record in Erasure.objects(finished_at=None):
        if not record.username:
            continue
        if any(step not in record.steps for step in STEPS if step != AUDIT_TRAIL):
            try:
                client.erase(record.username, reason=record.reason, by=record.by)
            except (LegalHoldOn, requests.RequestException) as exc:
                log.warning("erasure %s not finished: %s", record.pseudonym, type(exc).__name__)
                continue
            record.reload()
        pseudonymise_audit_trail(record.username, record.pseudonym)
        finish_audit_trail(record)
        finished.append(record.pseudonym)
    return finished


def run_once(config: Config, internal: InternalClient | None = None, now: dt.datetime | None = None) -> dict:
    now = now or clock.now()
    client = ErasureClient(internal or InternalClient(config))
    expired = expire_records(config, now)
    erased = []
    for username in closed_accounts_due(config, now):
        try:
            if client.erase(username, reason=RETENTION_REASON, by="retention") is not None:
                erased.append(username)
        except (LegalHoldOn, requests.RequestException) as exc:  # a hold placed meanwhile; a service down
            log.warning("a closed account is not erased yet: %s", type(exc).__name__)
    finished = finish_erasures(config, client)
    summary = {"expired": expired, "erased": len(erased), "erasures_finished": len(finished)}
    log.info("retention pass: %s", summary)
    return summary


def run_every(config: Config, internal: InternalClient, stop: threading.Event) -> None:
    """A pass now, then one every ``ARCHIPEL_RETENTION_CHECK_INTERVAL`` seconds until ``stop``;
    a pass that fails is logged and tried again at the next."""
    while not stop.is_set():
        try:
            run_once(config, internal)
        except Exception:
            log.exception("retention pass failed")
        stop.wait(config.retention_check_interval)


def start_in_thread(config: Config) -> threading.Thread:
    """The compact layout's worker runs the passes in a thread, its services mounted in-process."""
    thread = threading.Thread(target=run_every, args=(config, InternalClient(config), threading.Event()),
                              name="retention", daemon=True)
    thread.start()
    return thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--once", action="store_true", help="one pass, then exit (a CronJob, cron)")
    args = parser.parse_args()
    config = Config.from_env()
    setup_logging("retention", config)
    connect_db(config)
    if args.once:
        run_once(config)
        return
    if config.metrics_port:  # /metrics, /livez, /readyz as every worker process (fedkit/runtime/health.py)
        health.serve(config, health.Readiness(*health.standard_checks(config, needs_redis=False)),
                     host="127.0.0.1" if config.dev_mode else "0.0.0.0")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    run_every(config, InternalClient(config), stop)


if __name__ == "__main__":
    main()
