"""The api's calls for moderation, beside upstream.py (kept apart so that module stays
short): the inbox's reports through their contract (fedkit/contracts/reports.py) and the
communities service's ban; a service that does not answer becomes ``Unavailable`` (503)
as in upstream.py."""

from __future__ import annotations

from fedkit.contracts.communities import CommunitiesClient
from fedkit.contracts.reports import Refused, ReportsClient
from fedkit.runtime.internal import internal_client
from services.api.upstream import BadCursor, _answering

__all__ = ["Refused", "file", "queue", "report", "assign", "resolve", "reopen", "ban_from_community", "move_post"]


def _reports() -> ReportsClient:
    return ReportsClient(internal_client())


def file(**fields) -> dict:
    with _answering("inbox"):
        return _reports().file(**fields)


def queue(**query) -> list[dict]:
    try:
        with _answering("inbox"):
            return _reports().queue(**query)
    except Refused as exc:  # a cursor that is no report id
        raise BadCursor(exc.description) from None


def report(number: str) -> dict | None:
    """One report, or None when there is no such report."""
    try:
        with _answering("inbox"):
            return _reports().report(number)
    except Refused:
        return None


def assign(number: str, moderator: str | None) -> dict:
    with _answering("inbox"):
        return _reports().assign(number, moderator)


def resolve(number: str, **fields) -> dict:
    with _answering("inbox"):
        return _reports().resolve(number, **fields)


def reopen(number: str, moderator: str) -> dict:
    with _answering("inbox"):
        return _reports().reopen(number, moderator)


def ban_from_community(slug: str, actor: str) -> bool:
    """Ban ``actor`` from a local community (a node moderator's exclusion)."""
    with _answering("communities"):
        return CommunitiesClient(internal_client()).ban(slug, actor)


def move_post(slug: str, object_id: str, target: str) -> tuple[int, dict]:
    """Move a post of local community ``slug`` to community ``target`` (the roles checked)."""
    with _answering("communities"):
        return CommunitiesClient(internal_client()).move_post(slug, object_id, target)
