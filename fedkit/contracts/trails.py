"""The audit trails other services keep, read by the gateway's auditor API
(gateway/audit_api.py): identity's SCIM changes (services/identity/scim_audit.py) and the
inbox's moderation actions (services/inbox/report_models.py). The gateway checks who reads
(auditors only) and the filters, then asks the service that owns the trail: it never
reads another service's collection.

Wire query of both endpoints (GET, every parameter optional; fedkit/runtime/trail_pages.py
reads it): ``user``, ``what`` (the operation or action), ``target`` (moderation: the
account acted on), ``address`` (an IP or a CIDR range; SCIM only), ``from``/``to`` (ISO 8601,
UTC), ``limit`` (at most 500), ``max_id`` (a record id: the page after it). Answer:
``{"items": [row, ...]}`` newest first, each row {"id", "at", ...} with the trail's columns
(COLUMNS below, in this order in a CSV export). A 400 names a parameter it cannot use.
"""

from __future__ import annotations

from fedkit.contracts import Transport

SCIM, MODERATION = "scim", "moderation"
SCIM_CHANGES = "/internal/trails/scim"  # identity
MODERATION_ACTIONS = "/internal/trails/moderation"  # inbox
SERVICES = {SCIM: ("identity", SCIM_CHANGES), MODERATION: ("inbox", MODERATION_ACTIONS)}
COLUMNS = {
    SCIM: ("id", "at", "operation", "user", "attributes", "address"),
    MODERATION: ("id", "at", "moderator", "action", "report", "target", "statuses", "reason", "community"),
}
# The wire filters each trail takes (besides from, to, limit, max_id).
FILTERS = {SCIM: ("user", "what", "address"), MODERATION: ("user", "what", "target")}


class Refused(ValueError):
    """The service refused a filter (400): its description."""


class TrailsClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def page(self, trail: str, query: dict) -> list[dict]:
        """One page of ``trail`` (SCIM or MODERATION) for the wire ``query``."""
        service, path = SERVICES[trail]
        sent = {k: v for k, v in query.items() if v not in (None, "")}
        resp = self.transport.request("GET", service, path, params=sent)
        if resp.status_code == 400:
            raise Refused(str(resp.json().get("error_description", "invalid filter")))
        resp.raise_for_status()
        return list(resp.json()["items"])
