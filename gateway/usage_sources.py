"""The day facts of the usage observatory (gateway/usage_figures.py's ``Fact``), read from
where each lives: the audit trail (this gateway's: who made a signed-in request that
day), and through the services' usage contract (fedkit/contracts/usage.py) the people
(identity), their posts, replies, reactions and joins (outbox), the communities and
replies those posts went to (inbox).

A person appears only as a pseudonym (an HMAC of their username under the node's
internal secret): the rollup keeps no name. A post's community is the first member
node's community among its addressees (``{base}/communities/<slug>``); a reaction's, the
community of the post it reacts to; a join is a Follow of a community.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable

from fedkit.contracts.usage import UsageSources
from fedkit.protocol.local_ids import COMMUNITIES, local_community
from fedkit.protocol.vocab import local_actor_id
from fedkit.rules.registry import load_registry
from fedkit.runtime import clock
from fedkit.runtime.config import Config
from fedkit.runtime.internal import InternalClient
from gateway.audit import AuditRecord
from gateway.usage_figures import Fact

ANSWER_WITHIN = dt.timedelta(hours=48)  # a question nobody else answered by then is unanswered


def pseudonym(username: str, config: Config) -> str:
    return hmac.new(config.internal_secret.encode(), username.encode(), hashlib.sha256).hexdigest()[:24]


def community_of(addressees: Iterable[str], bases: list[str]) -> str:
    """The community actor id among ``addressees`` (a Group or its followers) on a member node."""
    for addressee in addressees:
        for base in bases:
            slug = local_community(addressee, base)
            if slug:
                return f"{base}/{COMMUNITIES}/{slug}"
    return ""


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _day_of(iso: str) -> dt.date:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(dt.UTC).date()


def signed_in(day: dt.date) -> list[str]:
    """Usernames with at least one authenticated request on ``day`` (the audit trail)."""
    start = _midnight(day)
    query = {"at": {"$gte": start, "$lt": start + dt.timedelta(days=1)}, "user": {"$nin": [None, ""]}}
    return [u for u in AuditRecord._get_collection().distinct("user", query) if isinstance(u, str)]


def gather(first: dt.date, last: dt.date, config: Config, internal: InternalClient) -> dict[dt.date, list[Fact]]:
    """Every fact of the days ``first`` to ``last`` (UTC), by day."""
    sources = UsageSources(internal)
    bases = [node.base_url for node in load_registry(config).nodes]
    if config.base_url not in bases:
        bases.append(config.base_url)
    people = {p["username"]: p for p in sources.people()}
    facts: dict[dt.date, list[Fact]] = {first + dt.timedelta(days=i): [] for i in range((last - first).days + 1)}

    def add(day: dt.date, username: str, kind: str, community: str = "") -> None:
        if day in facts:
            entity = (people.get(username) or {}).get("entity") or ""
            facts[day].append(Fact(day, pseudonym(username, config), entity, kind, community))

    for day in facts:
        for username in signed_in(day):
            add(day, username, "active")
    for person in people.values():
        if person.get("created_at"):
            add(_day_of(person["created_at"]), person["username"], "account")
    activities = sources.activities(clock.iso(_midnight(first)), clock.iso(_midnight(last + dt.timedelta(days=1))))
    wanted = sorted({a.object for a in activities if a.object and (a.kind == "reaction" or a.question)})
    known = sources.objects(wanted) if wanted else {}
    now = clock.now()
    for activity in activities:
        day = _day_of(activity.at)
        if activity.kind == "join":
            community = community_of([activity.object], bases)
            if community:
                add(day, activity.username, "join", community)
            continue
        addressees = (known.get(activity.object) or {}).get("addressees", ()) if activity.kind == "reaction" \
            else activity.addressees
        community = community_of(addressees, bases)
        add(day, activity.username, activity.kind, community)
        if activity.question and now - dt.datetime.fromisoformat(activity.at.replace("Z", "+00:00")) > ANSWER_WITHIN:
            author = local_actor_id(config.base_url, activity.username)
            repliers = (known.get(activity.object) or {}).get("repliers", [])
            if not [r for r in repliers if r != author]:
                add(day, activity.username, "unanswered", community)
    return facts
