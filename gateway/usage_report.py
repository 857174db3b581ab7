"""A usage report: the figures of one node (or of the whole group, gateway/usage_group.py)
for a period and a dimension, as the API answers them (gateway/usage_api.py).

Rows carry a ``key`` (node name, entity, community actor id) and a ``label``; by community,
a row of this node's communities also says whether it is ``dormant`` (withheld when it has
fewer than 5 members), and by node the row counts ``dormant_communities`` (a number of
communities, about nobody). A hidden community's name stays on its node: another node
gets it as "hidden community".
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
from collections.abc import Iterator
from dataclasses import dataclass

from fedkit.contracts.usage import UsageSources
from fedkit.rules.registry import load_registry
from fedkit.runtime.config import Config
from fedkit.runtime.csv_cells import safe_cell
from fedkit.runtime.internal import InternalClient
from gateway.usage_days import facts_for
from gateway.usage_figures import DAILY, DIMENSIONS, LOOKBACK, TOTALS, WITHHELD, K, figures

MAX_DAYS = 92
NO_ENTITY = "(no entity)"
HIDDEN = "hidden community"
ELSEWHERE = "a community of"


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    by: str


def parse_period(args, today: dt.date) -> Period:
    """``from``/``to`` (YYYY-MM-DD, UTC days; default: the 30 days to today) and ``by``."""
    try:
        end = dt.date.fromisoformat(args.get("to")) if args.get("to") else today
        start = dt.date.fromisoformat(args.get("from")) if args.get("from") else end - dt.timedelta(days=29)
    except ValueError:
        raise PeriodError("from and to are days: YYYY-MM-DD") from None
    if start > end or end > today:
        raise PeriodError("from must not be after to, nor to after today")
    if (end - start).days >= MAX_DAYS:
        raise PeriodError(f"a period is at most {MAX_DAYS} days")
    by = args.get("by") or "node"
    if by not in DIMENSIONS:
        raise PeriodError("by is node, entity or community")
    return Period(start, end, by)


def _labelled(rows: list[dict], period: Period, config: Config, communities: list[dict], member: bool) -> None:
    if period.by == "entity":
        for row in rows:
            row["label"] = row["key"] or NO_ENTITY
        return
    if period.by == "node":
        for row in rows:
            row["label"] = row["key"]
            row["total"]["dormant_communities"] = sum(1 for c in communities if c["dormant"])
        return
    mine = {c["id"]: c for c in communities}
    for row in rows:
        community = mine.get(row["key"])
        if community is None:  # another node's community: named by its host alone (masked)
            row["label"] = None
            continue
        hidden = community["visibility"] == "hidden" and member
        row["label"] = HIDDEN if hidden else community["name"]
        row["dormant"] = None if community["members"] < K else community["dormant"]
        if row["dormant"] is None:
            row["withheld"]["dormant"] = WITHHELD


def node_report(period: Period, config: Config, internal: InternalClient, *, member: bool = False) -> dict:
    """This node's rows (``member``: asked by another member node)."""
    facts = facts_for(period.start - dt.timedelta(days=LOOKBACK), period.end, config, internal)
    rows = figures(facts, period.start, period.end, period.by, config.node_name)
    if period.by == "node" and not rows:  # nothing happened: the node's row says so with zeros
        rows = [{"key": config.node_name, "total": dict.fromkeys(TOTALS, 0), "withheld": {},
                 "days": [{"day": d, "values": dict.fromkeys(DAILY, 0), "withheld": {}} for d in _days(period)]}]
    _labelled(rows, period, config, UsageSources(internal).communities(), member)
    return {"node": config.node_name, "rows": rows}


def masked(rows: list[dict], config: Config) -> list[dict]:
    """The rows as an administrator of this node may see them. A community hosted elsewhere
    is named only as its host named it (a row its host labelled, which it does for its
    communities but the hidden ones, ``HIDDEN``); else — hidden, or this node cannot tell —
    neither its name nor its address (whose slug is a name) is shown: the row is "a community
    of <host>", under a key that does not tell which."""
    for row in rows:
        if row.get("label") is not None:
            continue
        host = row["key"].rpartition("/communities/")[0].split("://", 1)[-1]
        digest = hmac.new(config.internal_secret.encode(), row["key"].encode(), hashlib.sha256).hexdigest()[:12]
        row["key"], row["label"] = f"community-{digest}@{host}", f"{ELSEWHERE} {host}"
    return rows


def _days(period: Period) -> list[str]:
    return [(period.start + dt.timedelta(days=i)).isoformat() for i in range((period.end - period.start).days + 1)]


def envelope(period: Period, scope: str, config: Config, rows: list[dict], nodes: list[str],
             unreachable: list[str]) -> dict:
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "by": period.by, "scope": scope,
            "group": load_registry(config).name, "k": K, "measures": list(DAILY), "nodes": nodes,
            "unreachable": unreachable, "rows": rows}


def csv_lines(report: dict) -> Iterator[str]:
    """RFC 4180: one line per row and day, then the row's period total (``day`` = total);
    a withheld figure is an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["scope", "by", "key", "label", "day", *DAILY, "dormant_communities"])
    for row in report["rows"]:
        head = [report["scope"], report["by"], row["key"], row.get("label", row["key"])]
        for day in row["days"]:
            writer.writerow([safe_cell(v) for v in [*head, day["day"], *(day["values"].get(m) for m in DAILY), ""]])
        total = row["total"]
        writer.writerow([safe_cell(v) for v in [*head, "total", *(total.get(m) for m in DAILY),
                                                total.get("dormant_communities")]])
    yield out.getvalue()
