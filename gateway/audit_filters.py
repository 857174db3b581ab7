"""The filters of the audit API (gateway/audit_api.py): query parameters checked and
turned into a MongoDB query on the gateway's ``audit`` collection (the ``requests``
trail), or into the wire query of another service's trail (``scim``, ``moderation``:
fedkit/contracts/trails.py). An address range (CIDR) is matched record by record, as
addresses are stored as text (fedkit/runtime/trail_pages.py). A filter that does not
apply to the chosen trail is refused (400), never silently ignored: an auditor must not
take an unfiltered export for a filtered one."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass, field

from bson import ObjectId
from bson.errors import InvalidId

from fedkit.contracts import trails

FILTERS = ("user", "signer", "address", "method", "path", "status", "from", "to")
REQUESTS = "requests"
TRAILS = (REQUESTS, trails.SCIM, trails.MODERATION)
# Every filter any trail takes: those a trail does not take are refused for it.
ALL_FILTERS = tuple(dict.fromkeys([*FILTERS, *(f for t in trails.FILTERS.values() for f in t)]))
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


def trail_of(args) -> str:
    """The trail a request reads (``trail``; the gateway's requests by default)."""
    trail = args.get("trail") or REQUESTS
    if trail not in TRAILS:
        raise FilterError(f"trail must be one of {', '.join(TRAILS)}")
    taken = FILTERS if trail == REQUESTS else (*trails.FILTERS[trail], "from", "to")
    wrong = [name for name in ALL_FILTERS if args.get(name) and name not in taken]
    if wrong:
        raise FilterError(f"{', '.join(wrong)}: not a filter of the {trail} trail "
                          f"(it takes {', '.join(taken)})")
    return trail


@dataclass
class WireFilters:
    """Another service's trail: its wire query, the page size and the filters as given."""

    query: dict
    limit: int
    given: dict


def wire(args, trail: str) -> WireFilters:
    """The wire query (fedkit/contracts/trails.py) of a request for ``trail``, checked here
    as the requests trail's filters are (the service checks again: it owns the trail)."""
    names = (*trails.FILTERS[trail], "from", "to")
    given = {"trail": trail, **{k: args[k] for k in names if args.get(k)}}
    query = {k: v for k, v in given.items() if k in trails.FILTERS[trail]}
    if query.get("address"):
        _address(query["address"].strip(), Filters())  # checked only
        query["address"] = query["address"].strip()
    for name in ("from", "to"):
        if args.get(name):
            query[name] = instant(name, args[name]).isoformat()
    if "from" in query and "to" in query and query["from"] > query["to"]:
        raise FilterError("from must not be after to")
    checked = parse({k: args.get(k) for k in ("limit", "max_id")})  # the same limits and cursor
    if checked.max_id is not None:
        query["max_id"] = str(checked.max_id)
    return WireFilters(query=query, limit=checked.limit, given=given)
