"""Reading one page of an audit trail collection — the gateway's requests, identity's
SCIM changes, the inbox's moderation actions — newest first, the way every trail is read:
filters checked by the gateway's audit API (gateway/audit_filters.py) arrive as the wire
query of fedkit/contracts/trails.py and become a MongoDB query here; an address range
(CIDR) is matched record by record, as addresses are stored as text.

Paging is by record id after the last one seen (``max_id``), on the (``at``, ``_id``)
order, so records written in the same instant are neither skipped nor repeated.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field

from bson import ObjectId
from bson.errors import InvalidId

MAX_LIMIT = 500  # a page of a trail (the exports read in pages this size)


class TrailQueryError(ValueError):
    """A wire parameter that cannot be used; the message names it."""


@dataclass
class TrailQuery:
    query: dict = field(default_factory=dict)
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    address_field: str = "client_address"
    max_id: ObjectId | None = None
    limit: int = 40

    def admits(self, doc: dict) -> bool:
        """Does a record's address fall in the requested range (always, without one)."""
        if self.network is None:
            return True
        try:
            return ipaddress.ip_address(doc.get(self.address_field) or "") in self.network
        except ValueError:
            return False


def _instant(name: str, value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise TrailQueryError(f"{name} must be an ISO 8601 date-time") from None
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def from_wire(args, fields: dict[str, str], *, address_field: str | None = None) -> TrailQuery:
    """The query of a trail's wire parameters (``args``: a MultiDict or a dict). ``fields``
    maps each equality filter the trail takes to its stored field; ``address_field``: the
    stored client address, if the trail records one."""
    trail = TrailQuery(address_field=address_field or "")
    for name, stored in fields.items():
        if args.get(name):
            trail.query[stored] = args[name]
    address = args.get("address")
    if address:
        if not address_field:
            raise TrailQueryError("this trail records no address")
        try:
            if "/" in address:
                trail.network = ipaddress.ip_network(address, strict=False)
                trail.query[address_field] = {"$exists": True}
            else:
                trail.query[address_field] = str(ipaddress.ip_address(address))
        except ValueError:
            raise TrailQueryError("address must be an IP address or a CIDR range") from None
    when = {}
    if args.get("from"):
        when["$gte"] = _instant("from", args["from"])
    if args.get("to"):
        when["$lte"] = _instant("to", args["to"])
    if when:
        trail.query["at"] = when
    try:
        trail.limit = max(1, min(int(args.get("limit") or 40), MAX_LIMIT))
    except ValueError:
        raise TrailQueryError("limit must be a number") from None
    if args.get("max_id"):
        try:
            trail.max_id = ObjectId(args["max_id"])
        except (InvalidId, TypeError):
            raise TrailQueryError("max_id is not a record id") from None
    return trail


def records(collection, trail: TrailQuery) -> Iterator[dict]:
    """Every matching record of ``collection`` (pymongo), newest first, after ``max_id``."""
    query = dict(trail.query)
    if trail.max_id is not None:
        last = collection.find_one({"_id": trail.max_id}, {"at": 1})
        if last is None:
            return
        query = {"$and": [query, {"$or": [{"at": {"$lt": last["at"]}},
                                          {"at": last["at"], "_id": {"$lt": trail.max_id}}]}]}
    for doc in collection.find(query).sort([("at", -1), ("_id", -1)]).batch_size(500):
        if trail.admits(doc):
            yield doc


def page(collection, trail: TrailQuery) -> list[dict]:
    """One page: at most ``trail.limit`` records."""
    found = []
    for doc in records(collection, trail):
        found.append(doc)
        if len(found) == trail.limit:
            break
    return found
