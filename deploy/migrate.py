"""Create every collection's indexes for one node — a deployment step run before the
services start (the demo launcher runs it; in Kubernetes, the init Job).

    python -m deploy.migrate      # uses the node's environment variables
"""

from __future__ import annotations

from fedkit.protocol.actors import CachedActor
from fedkit.runtime import retention
from fedkit.runtime.config import Config
from fedkit.runtime.db import connect_db, ensure_indexes, ensure_ttl
from fedkit.runtime.health import mark_migrated
from fedkit.runtime.keystore import ActorKey
from gateway.audit import AuditRecord, ensure_retention
from services.api.media_models import MediaUpload
from services.api.models import AccountId, IdempotentPost, StatusId
from services.api.personal_models import Bookmark, Marker
from services.communities.models import Community, CommunityPost, Membership
from services.identity.charter_acceptance import CharterAcceptance
from services.identity.credentials import hash_clear_credentials
from services.identity.erasure import Erasure
from services.identity.legal_hold import LegalHold, LegalHoldChange
from services.identity.lifecycle import AccountChange
from services.identity.models import (
    Account,
    LoginFailures,
    OAuthClient,
    OAuthCode,
    OAuthToken,
    WebSession,
)
from services.identity.scim_audit import ScimChange
from services.identity.scim_audit import ensure_retention as ensure_scim_retention
from services.inbox.followed_tags import FollowedTag
from services.inbox.models import (
    FollowCount,
    FollowRelation,
    InboundActivity,
    InboxHead,
    InboxItem,
    Interaction,
    Notification,
    PollEnding,
    ReceivedObject,
)
from services.inbox.report_models import ModerationAction, Report
from services.inbox.report_models import ensure_retention as ensure_moderation_retention
from services.inbox.versions import ReceivedVersion
from services.inbox.votes import CastVote
from services.outbox.models import (
    Delivery,
    HeldPost,
    HostHealth,
    LocalObject,
    OutboxActivity,
    PostCount,
)
from services.outbox.polls import PollVote
from services.outbox.versions import LocalObjectVersion
from services.web.models import WebAppSession, WebClient, WebSignIn

DOCUMENTS = (
    ActorKey, CachedActor, AuditRecord,
    Account, OAuthClient, OAuthCode, OAuthToken, WebSession, LoginFailures,
    InboundActivity, FollowRelation, ReceivedObject, Interaction, InboxItem, Notification,
    OutboxActivity, LocalObject, Delivery, HostHealth, HeldPost,
    Community, Membership, CommunityPost, ScimChange, AccountChange, AccountId, StatusId, IdempotentPost,
    MediaUpload,
    InboxHead, PostCount, FollowCount,  # kept on write, built from the data where missing (no index but _id)
    PollVote, LocalObjectVersion, CastVote, ReceivedVersion, PollEnding,  # polls and edit history
    WebClient, WebSignIn, WebAppSession,
    Bookmark, Marker,
    Report, ModerationAction,  # moderation (services/inbox/reports.py)
    FollowedTag,  # followed hashtags (services/inbox/followed_tags.py)
    CharterAcceptance,
    LegalHold, LegalHoldChange, Erasure,  # legal holds and erasures (services/identity/erasure.py)
)


def migrate(config: Config) -> None:
    ensure_indexes(DOCUMENTS)
    backfill_leases()
    ensure_retention(config.audit_retention_days)
    ensure_scim_retention(config.retention_days(retention.SCIM_TRAIL))
    ensure_moderation_retention(config.retention_days(retention.MODERATION_TRAIL))
    # Ended sign-in windows and sessions go away by themselves (both are also checked on use).
    ensure_ttl(LoginFailures, "expires_at", 0, "login_failures_ttl")
    ensure_ttl(WebSession, "expires_at", 0, "web_sessions_ttl")
    # The web app's (services/web): sign-ins under way and browser sessions.
    ensure_ttl(WebSignIn, "expires_at", 0, "web_signins_ttl")
    ensure_ttl(WebAppSession, "expires_at", 0, "web_app_sessions_ttl")
    # An Idempotency-Key holds for an hour (checked on use); the records go after a day.
    ensure_ttl(IdempotentPost, "created_at", 1, "api_idempotent_posts_ttl")
    hash_clear_credentials(Account._get_db())  # clear secrets and tokens of an older node
    mark_migrated(Account._get_db())  # last: the processes' /readyz waits for it


def backfill_leases() -> None:
    """Documents stored before the lease engine (fedkit/runtime/leases.py) get its fields."""
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
