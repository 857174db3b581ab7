"""How long the node keeps each class of personal data (issue 12, "Personal data").

One table, read once from the environment into ``Config.retention_days``: the TTL indexes
(``deploy/migrate.py``), the retention job (``deploy/retention.py``) and the privacy notice
(the charter API's ``privacy`` block, the web app's charter page) all read it, so what the
notice says is what the node does. Each period is ``ARCHIPEL_RETENTION_<CLASS>_DAYS``; the
audit trail keeps its older name ``ARCHIPEL_AUDIT_RETENTION_DAYS`` (``Config.audit_retention_days``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

AUDIT_TRAIL = "audit_trail"
SCIM_TRAIL = "scim_trail"
MODERATION_TRAIL = "moderation_trail"
DELIVERIES = "deliveries"
INBOUND_ACTIVITIES = "inbound_activities"
NOTIFICATIONS = "notifications"
CLOSED_ACCOUNTS = "closed_accounts"


@dataclass(frozen=True)
class RetentionClass:
    name: str
    default_days: int
    how: str  # "ttl": a TTL index expires it; "job": deploy/retention.py deletes or anonymises it

    @property
    def env(self) -> str:
        return f"ARCHIPEL_RETENTION_{self.name.upper()}_DAYS"


CLASSES = (
    RetentionClass(SCIM_TRAIL, 365, "ttl"),  # services/identity/scim_audit.py
    RetentionClass(MODERATION_TRAIL, 365, "ttl"),  # services/inbox/report_models.py
    RetentionClass(DELIVERIES, 30, "job"),  # delivered or failed for good (services/outbox)
    RetentionClass(INBOUND_ACTIVITIES, 90, "job"),  # received activities once applied (services/inbox)
    RetentionClass(NOTIFICATIONS, 365, "job"),
    # A closed account's personal data where the group hides departed content: then erased
    # (services/identity/erasure.py) unless a legal hold is on it.
    RetentionClass(CLOSED_ACCOUNTS, 90, "job"),
)


class RetentionError(ValueError):
    """A period that is not a whole number of days, at least 1."""


def periods_from_env(environ: Mapping[str, str]) -> tuple[tuple[str, int], ...]:
    """Each class's (name, period in days), the defaults where the environment says nothing
    (a tuple: the configuration is frozen and hashable)."""
    found = {}
    for cls in CLASSES:
        raw = environ.get(cls.env, "").strip()
        try:
            days = int(raw) if raw else cls.default_days
        except ValueError:
            raise RetentionError(f"{cls.env} must be a whole number of days, not {raw!r}") from None
        if days < 1:
            raise RetentionError(f"{cls.env} must be at least 1 day")
        found[cls.name] = days
    return tuple(found.items())


def defaults() -> tuple[tuple[str, int], ...]:
    return tuple((cls.name, cls.default_days) for cls in CLASSES)
