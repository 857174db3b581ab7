"""Fan-out of a published activity, run by the delivery worker: the local inbox
pipeline gets it once, every remote target inbox gets one persisted Delivery."""

from __future__ import annotations

import datetime as dt

from fedkit import leases
from fedkit.config import Config
from fedkit.contracts.inbox import InboxClient
from fedkit.internal import InternalClient
from fedkit.local_ids import is_local
from fedkit.queue import enqueue
from fedkit.vocab import as_list, id_of
from services.outbox.addressing import remote_recipient_actors, target_inboxes
from services.outbox.delivery import DELIVERY, create_deliveries, public_form
from services.outbox.models import FANOUT, FANOUT_DONE, QUEUED, Delivery, OutboxActivity, now

QUEUE = "delivery"


def fanout(activity_id: str, config: Config, internal: InternalClient, broker) -> int:
    # Claimed with a lease: the sweeper may enqueue it again, only one worker runs it.
    activity = FANOUT.claim(activity_id, config.lease_seconds)
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
    # Local recipients see what remote ones see: no bto/bcc (AP §6.1). The inbox works out
    # local recipients from to/cc, and bto/bcc addressees are added by the local-delivery call.
    local = public_form(activity.raw)
    hidden = [id_of(a) for key in ("bto", "bcc") for a in as_list(activity.raw.get(key)) if id_of(a)]
    if activity.explicit_recipients:
        # A community's activity: its members, as the communities service listed them.
        hidden += [a for a in activity.recipients if is_local(a, config.base_url)]
        actors = [a for a in activity.recipients if not is_local(a, config.base_url)]
    else:
        actors = remote_recipient_actors(activity.raw, activity.actor, config, internal)
    InboxClient(internal).deliver_locally(local, hidden)
    inboxes = target_inboxes(actors, config, personal=frozenset(hidden))
    create_deliveries(activity_id, activity.actor, inboxes)
    FANOUT.finish(activity, FANOUT_DONE)
    # New deliveries are stored as queued (holder "queue"); a retried fan-out sends them
    # again, the claim takes each once.
    for delivery in Delivery.objects(activity_id=activity_id, state=QUEUED, holder=leases.QUEUED).only("id"):
        DELIVERY.queued(delivery.id, enqueue(broker, QUEUE, "deliver", str(delivery.id)))
    return len(inboxes)
