"""Fan-out of a published activity, run by the delivery worker: the local inbox
pipeline gets it once, every remote target inbox gets one persisted Delivery."""

from __future__ import annotations

import datetime as dt

from fedkit.config import Config
from fedkit.internal import InternalClient
from fedkit.queue import enqueue
from services.outbox.addressing import remote_recipient_actors, target_inboxes
from services.outbox.delivery import create_deliveries
from services.outbox.models import Delivery, OutboxActivity, now

QUEUE = "delivery"


def fanout(activity_id: str, config: Config, internal: InternalClient, broker) -> int:
    activity = OutboxActivity.objects(activity_id=activity_id, fanout="pending").first()
    if activity is None:
        return 0
    # Every step is idempotent: the inbox dedupes by activity id, deliveries by (activity, inbox).
    internal.post_json("inbox", "/internal/local-delivery", activity.raw)
    actors = remote_recipient_actors(activity.raw, activity.actor, config, internal)
    inboxes = target_inboxes(actors, config)
    create_deliveries(activity_id, activity.actor, inboxes)
    activity.update(set__fanout="done")
    for delivery in Delivery.objects(activity_id=activity_id, state="queued").only("id"):
        enqueue(broker, QUEUE, "deliver", str(delivery.id))
    return len(inboxes)


def pending_fanouts(limit: int = 200) -> list[str]:
    cutoff = now() - dt.timedelta(seconds=3)
    return [a.activity_id for a in
            OutboxActivity.objects(fanout="pending", created_at__lt=cutoff).only("activity_id").limit(limit)]
