"""Telling the node's other services that the directory (SCIM) changed a person: the
communities service puts them in or out of the dynamic communities whose membership rule
they now match or no longer match (services/communities/reconcile.py), at once rather
than at its next reconciliation."""

from __future__ import annotations

import logging

import requests

from fedkit.contracts.communities import CommunitiesClient
from fedkit.protocol.vocab import local_actor_id
from fedkit.runtime.config import Config
from fedkit.runtime.internal import internal_client
from services.identity.models import Account
from services.identity.people_listing import entry, shown_parts

log = logging.getLogger(__name__)


def changed(config: Config, username: str) -> None:
    """Tell communities how the directory sees this person now (never raises: the
    communities worker's next reconciliation catches up on what is not told)."""
    account = Account.objects(username=username).first()
    if account is None:
        return
    closed = account.suspended or account.scim_deleted
    shown = entry(account, config.base_url, shown_parts(True, config.profile_public_fields))
    try:
        CommunitiesClient(internal_client()).directory_changed(local_actor_id(config.base_url, username),
                                                               None if closed else shown)
    except (requests.RequestException, ValueError) as exc:
        log.warning("communities not told of %s's directory change: %s", username, type(exc).__name__)
