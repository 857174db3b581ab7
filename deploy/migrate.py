"""Create every collection's indexes for one node — a deployment step run before the
services start (the demo launcher runs it; in Kubernetes, the init Job).

    python -m deploy.migrate      # uses the node's environment variables
"""

from __future__ import annotations

from fedkit.actors import CachedActor
from fedkit.config import Config
from fedkit.db import connect_db, ensure_indexes
from fedkit.keystore import ActorKey
from gateway.audit import AuditRecord, ensure_retention
from services.communities.models import Community, CommunityPost, Membership
from services.identity.lifecycle import AccountChange
from services.identity.models import Account, AuthorizationCode, OAuthClient, OAuthToken
from services.identity.scim_audit import ScimChange
from services.identity.scim_audit import ensure_retention as ensure_scim_retention
from services.inbox.models import (
    FollowRelation,
    InboundActivity,
    InboxItem,
    Interaction,
    ReceivedObject,
)
from services.outbox.models import Delivery, HeldPost, HostHealth, LocalObject, OutboxActivity

DOCUMENTS = (
    ActorKey, CachedActor, AuditRecord,
    Account, OAuthClient, AuthorizationCode, OAuthToken,
    InboundActivity, FollowRelation, ReceivedObject, Interaction, InboxItem,
    OutboxActivity, LocalObject, Delivery, HostHealth, HeldPost,
    Community, Membership, CommunityPost, ScimChange, AccountChange,
)


def migrate(config: Config) -> None:
    ensure_indexes(DOCUMENTS)
    backfill_leases()
    ensure_retention(config.audit_retention_days)
    ensure_scim_retention(config.audit_retention_days)


def backfill_leases() -> None:
    """Documents stored before the lease engine (fedkit/leases.py) get its fields."""
    from services.inbox.models import INBOUND
    from services.outbox.delivery import DELIVERY
    from services.outbox.fanout import FANOUT

    for machine in (INBOUND, FANOUT, DELIVERY):
        machine.backfill()
    Delivery._get_collection().update_many({"lease_until": {"$exists": True}}, {"$unset": {"lease_until": ""}})


def main() -> None:
    config = Config.from_env()
    connect_db(config)
    migrate(config)


if __name__ == "__main__":
    main()
