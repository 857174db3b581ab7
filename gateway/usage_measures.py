"""Mastodon's admin measures and dimensions (docs.joinmastodon.org/methods/admin/measures/,
/methods/admin/dimensions/) over this node's usage figures, where they fit.

Measures (entity Admin::Measure: ``key``, ``unit``, ``total`` and ``previous_total`` as
strings, ``data`` per day at midnight UTC):
- ``active_users``: people who used the API, posted, replied or reacted;
- ``new_users``: accounts created;
- ``interactions``: replies and reactions (likes, boosts) by this node's people (Mastodon
  counts those made on local statuses; here the node's own people's, as the observatory does).
Other Mastodon keys (reports, tags, instances) are left out of the answer, as Mastodon does
with a key it does not know.

Dimensions (Admin::Dimension: ``key``, ``data`` of ``key``/``human_key``/``value``): none of
Mastodon's keys fits; ``archipel_entities`` and ``archipel_communities`` give the active
people per entity and per community over the period.

A withheld figure (fewer than 5 people) is ``null`` with ``"withheld": "fewer than 5 people"``.
"""

from __future__ import annotations

import datetime as dt

from fedkit.contracts.usage import UsageSources
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from gateway.usage_days import facts_for, today
from gateway.usage_figures import LOOKBACK, WITHHELD, figures
from gateway.usage_report import MAX_DAYS, NO_ENTITY, masked

MEASURED = {"active_users": ("active_people",), "new_users": ("new_members",),
            "interactions": ("replies", "reactions")}
DIMENSION_KEYS = {"archipel_entities": "entity", "archipel_communities": "community"}


class MeasureError(ValueError):
    pass


def _param(params: dict, name: str):
    value = params.get(name, params.get(f"{name}[]"))
    if isinstance(value, list) and name != "keys":
        value = value[0] if value else None
    return value


def _period(params: dict) -> tuple[dt.date, dt.date, list[str]]:
    keys = _param(params, "keys")
    keys = [keys] if isinstance(keys, str) else keys
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise MeasureError("keys: a list of measure names")
    try:
        start = dt.datetime.fromisoformat(str(_param(params, "start_at")).replace("Z", "+00:00")).date()
        end = dt.datetime.fromisoformat(str(_param(params, "end_at")).replace("Z", "+00:00")).date()
    except ValueError:
        raise MeasureError("start_at and end_at: ISO 8601 dates") from None
    end = min(end, today())
    if start > end or (end - start).days >= MAX_DAYS:
        raise MeasureError(f"start_at must not be after end_at; at most {MAX_DAYS} days")
    return start, end, keys


def _added(values: dict, names: tuple[str, ...]) -> int | None:
    parts = [values.get(n) for n in names]
    return None if any(p is None for p in parts) else sum(parts)


def _text(value: int | None) -> str | None:
    return None if value is None else str(value)


def measures(params: dict, config: Config, internal: InternalClient) -> list[dict]:
    start, end, keys = _period(params)
    span = end - start + dt.timedelta(days=1)
    before = start - span
    facts = facts_for(before - dt.timedelta(days=LOOKBACK), end, config, internal)
    now_rows = figures(facts, start, end, "node", config.node_name)
    then_rows = figures(facts, before, start - dt.timedelta(days=1), "node", config.node_name)
    out = []
    for key in (k for k in keys if k in MEASURED):
        names = MEASURED[key]
        total = _added(now_rows[0]["total"], names) if now_rows else 0
        previous = _added(then_rows[0]["total"], names) if then_rows else 0
        days = {d["day"]: d["values"] for d in now_rows[0]["days"]} if now_rows else {}
        data = []
        for i in range(span.days):
            day = start + dt.timedelta(days=i)
            value = _added(days[day.isoformat()], names) if day.isoformat() in days else 0
            data.append({"date": f"{day.isoformat()}T00:00:00.000+00:00", "value": _text(value)})
        measure = {"key": key, "unit": None, "total": _text(total), "previous_total": _text(previous), "data": data}
        if total is None:
            measure["withheld"] = WITHHELD
        out.append(measure)
    return out


def dimensions(params: dict, config: Config, internal: InternalClient) -> list[dict]:
    start, end, keys = _period(params)
    facts = None
    out = []
    for key in (k for k in keys if k in DIMENSION_KEYS):
        facts = facts if facts is not None else facts_for(start, end, config, internal)
        data = []
        rows = figures(facts, start, end, DIMENSION_KEYS[key], config.node_name)
        if DIMENSION_KEYS[key] == "community":  # another node's community is not named here
            own = {c["id"] for c in UsageSources(internal).communities()}
            rows = masked([{**row, "label": row["key"] if row["key"] in own else None} for row in rows], config)
        for row in rows:
            value = row["total"]["active_people"]
            item = {"key": row["key"], "human_key": row.get("label") or row["key"] or NO_ENTITY, "value": _text(value)}
            if value is None:
                item["withheld"] = WITHHELD
            data.append(item)
        out.append({"key": key, "data": data})
    return out
