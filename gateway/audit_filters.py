"""The filters of the audit API (gateway/audit_api.py): query parameters checked and
turned into a MongoDB query on the ``audit`` collection. An address range (CIDR) is
matched here, record by record, as addresses are stored as text."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass, field

from bson import ObjectId
from bson.errors import InvalidId

FILTERS = ("user", "signer", "address", "method", "path", "status", "from", "to")
DEFAULT_LIMIT, MAX_LIMIT = 40, 200  # as Mastodon's admin lists
METHOD = re.compile(r"^[A-Z]{1,10}$")
STATUS = re.compile(r"^[1-5]([0-9]{2}|xx)$")  # 404, or a class: 4xx


class FilterError(ValueError):
    """A parameter that cannot be used; the message names it."""


@dataclass
class Filters:
    query: dict = field(default_factory=dict)
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    limit: int = DEFAULT_LIMIT
    max_id: ObjectId | None = None
    given: dict = field(default_factory=dict)  # the filters as given, for the trail and the links

    def admits(self, address: str | None) -> bool:
        """Does a record's address fall in the requested range (always, without one)."""
        if self.network is None:
            return True
        try:
            return ipaddress.ip_address(address or "") in self.network
        except ValueError:
            return False


def instant(name: str, value: str) -> dt.datetime:
    """An ISO 8601 date or date-time; without an offset it is UTC. Naive UTC, as stored."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{name} must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _address(value: str, filters: Filters) -> None:
    try:
        if "/" in value:
            filters.network = ipaddress.ip_network(value, strict=False)
            filters.query["client_address"] = {"$exists": True}
        else:
            filters.query["client_address"] = str(ipaddress.ip_address(value))
    except ValueError:
        raise FilterError("address must be an IP address or a CIDR range (192.0.2.0/24)") from None


def _status(value: str) -> dict | int:
    if not STATUS.match(value):
        raise FilterError("status must be an HTTP status (404) or a class (4xx)")
    if value.endswith("xx"):
        low = int(value[0]) * 100
        return {"$gte": low, "$lt": low + 100}
    return int(value)


def parse(args) -> Filters:
    """The filters of a request's query string (``args``: a MultiDict or a dict)."""
    filters = Filters(given={k: args[k] for k in FILTERS if args.get(k)})
    query = filters.query
    for name in ("user", "signer"):
        if args.get(name):
            query[name] = args[name]
    if args.get("address"):
        _address(args["address"].strip(), filters)
    if args.get("method"):
        method = args["method"].upper()
        if not METHOD.match(method):
            raise FilterError("method must be an HTTP method (GET, POST, ...)")
        query["method"] = method
    if args.get("path"):
        if not args["path"].startswith("/"):
            raise FilterError("path must be a path prefix starting with /")
        # Not an indexed field: a regex is fine on SecantusDB too (shared/DESIGN.md).
        query["path"] = {"$regex": "^" + re.escape(args["path"])}
    if args.get("status"):
        query["status"] = _status(args["status"])
    when = {}
    if args.get("from"):
        when["$gte"] = instant("from", args["from"])
    if args.get("to"):
        when["$lte"] = instant("to", args["to"])
    if "$gte" in when and "$lte" in when and when["$gte"] > when["$lte"]:
        raise FilterError("from must not be after to")
    if when:
        query["at"] = when
    if args.get("limit"):
        try:
            filters.limit = max(1, min(int(args["limit"]), MAX_LIMIT))
        except ValueError:
            raise FilterError("limit must be a number") from None
    if args.get("max_id"):
        try:
            filters.max_id = ObjectId(args["max_id"])
        except (InvalidId, TypeError):
            raise FilterError("max_id is not a record id") from None
    return filters
