"""Publishing as a local user: the account must be open, the data-loss prevention guard
lets the post through (dlp_guard.py), the publisher stores it (publishing.py) and its
fan-out is queued. The outbox's C2S endpoint, its internal send and the release of a held
post all publish through here."""

from __future__ import annotations

from flask import current_app

from fedkit.contracts.identity import IdentityClient
from fedkit.runtime.internal import internal_client
from fedkit.runtime.queue import enqueue
from services.outbox import dlp_guard
from services.outbox.fanout import FANOUT, QUEUE
from services.outbox.models import OutboxActivity, now
from services.outbox.publishing import Publisher, PublishError


def _config():
    return current_app.config["ARCHIPEL"]


def publish_as(username: str, data: dict, *, guard: bool = True, account_checked: bool = False,
               also_to: tuple[str, ...] = ()) -> OutboxActivity:
    """Publish as a local user. ``guard``: the data-loss prevention guard first (it raises
    dlp_guard.GuardStop, a PublishError, for a blocked or held post); off for a released post.
    ``account_checked``: identity has just said the account is active (the gateway's token
    introspection answers only for an active account), so it is not asked again.
    ``also_to``: actors reached hidden (bcc) besides the addressing (a moved post's Update)."""
    checked_at = now()
    if not account_checked and IdentityClient(internal_client()).active_account(username) is None:
        # A closed (or unknown) account publishes nothing, by no path: not its own
        # requests, not an Accept sent on its behalf by a worker.
        raise PublishError(403, "account_closed", "this account is closed")
    if guard:
        dlp_guard.guard(username, data, _config(), internal_client())
    record = Publisher(_config(), internal_client(), username, author_active_at=checked_at,
                       also_to=also_to).publish(data)
    FANOUT.queued(record.activity_id, enqueue(current_app.extensions["archipel_broker"], QUEUE, "fanout",
                                              record.activity_id))
    return record
