"""Fan-out of a published activity, run by the delivery worker: the local inbox
pipeline gets it once, every remote target inbox gets one persisted Delivery."""

from __future__ import annotations

import datetime as dt

from fedkit.contracts.inbox import InboxClient
from fedkit.runtime import leases
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.queue import enqueue
from services.outbox.addressing import plan_of, remote_recipient_actors, target_inboxes
from services.outbox.delivery import DELIVERY, create_deliveries
from services.outbox.models import FANOUT, FANOUT_DONE, QUEUED, Delivery, OutboxActivity, now
from services.outbox.objects import served

QUEUE = "delivery"


def fanout(activity_id: str, config: Config, internal: InternalClient, broker) -> int:
    # Claimed with a lease: the sweeper may enqueue it again, only one worker runs it.
    with FANOUT.claimed(activity_id, config.lease_seconds) as activity:
        if activity is None:
            return 0
        try:
            return _fan_out(activity, config, internal, broker)
        except Exception:
            # Let the sweeper retry soon rather than after the whole lease.
            FANOUT.reschedule(activity, now() + dt.timedelta(seconds=2))
            raise


def _fan_out(activity: OutboxActivity, config: Config, internal: InternalClient, broker) -> int:
    activity_id = activity.activity_id
    # Every step is idempotent: the inbox dedupes by activity id, deliveries by (activity, inbox).
    # Who receives it was planned when it was published (fedkit.rules.audience): local recipients
    # see what remote ones see, no bto/bcc (AP §6.1); the planned local ones (bto/bcc, a
    # community's members here) are named to the local-delivery call.
    plan = plan_of(activity, config)
    local = served(activity)  # the inbox keeps only what routes it (its object stays here)
    hidden = list(dict.fromkeys(plan.hidden + plan.local))
    actors = remote_recipient_actors(plan, config, internal)
    InboxClient(internal).deliver_locally(local, hidden, plan.as_dict(), object_stored=activity.object_stored)
    inboxes = target_inboxes(actors, config, plan=plan)
    create_deliveries(activity_id, activity.actor, inboxes)
    FANOUT.finish(activity, FANOUT_DONE)
    # New deliveries are stored as queued (holder "queue"); a retried fan-out sends them
    # again, the claim takes each once.
    for delivery in Delivery.objects(activity_id=activity_id, state=QUEUED, holder=leases.QUEUED).only("id"):
        DELIVERY.queued(delivery.id, enqueue(broker, QUEUE, "deliver", str(delivery.id)))
    return len(inboxes)
