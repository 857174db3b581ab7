"""Telling the group that a person's profile changed in the directory (SCIM): an
``Update`` of their Person, signed with their key, to their followers' servers and to every
other member node, as lifecycle.py announces a closure. The embedded Person is what a
reader outside the group may see; member nodes refetch the whole document
(services/inbox/handlers/update.py), as they do for any profile Update.

A failure to reach the outbox is logged and not retried: the directory's change is in force
here, and member nodes refresh cached actors after ``ARCHIPEL_ACTOR_CACHE_SECONDS`` anyway.
"""

from __future__ import annotations

import logging

import requests

from fedkit.contracts.outbox import OutboxClient
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from services.identity.lifecycle import known_by, suspension_update
from services.identity.models import Account

log = logging.getLogger(__name__)


def announce(config: Config, account: Account, internal: InternalClient | None = None) -> int:
    """Send the Update; the number of recipients (0 for a closed account: its closure
    was announced instead)."""
    if account.suspended:
        return 0
    internal = internal or InternalClient(config)
    try:
        recipients = known_by(config, account.username, internal)
        OutboxClient(internal).send_for_actor(suspension_update(config, account), recipients)
    except (requests.RequestException, ValueError) as exc:
        log.warning("the profile change of %s is not announced: %s", account.username, type(exc).__name__)
        return 0
    return len(recipients)
