"""The moderation queue's "move to another community" (services/web/mod_queue.py): which
communities the confirmation page offers. The node's listing as the moderator sees it
(``/communities``), less the communities the reported posts are in and archived ones; a
community's moderator is offered only those they moderate, a node moderator every one.
The API decides in the end (a wider audience is refused: fedkit/rules/community_moves.py)."""

from __future__ import annotations

from services.web.context import api

COMMUNITY_MODERATORS = ("owner", "manager", "moderator")


def targets(report: dict, moderates: str) -> list[dict]:
    """[{"slug", "name"}] the moderator may try to move the reported posts to, by name."""
    body = api().get("/communities").body
    items = body.get("items", []) if isinstance(body, dict) else []
    here = set(report.get("communities") or [])
    return sorted(({"slug": i["slug"], "name": i.get("name") or i["slug"]} for i in items
                   if isinstance(i, dict) and i.get("slug") and i.get("id") not in here and not i.get("archived")
                   and (moderates == "node" or i.get("role") in COMMUNITY_MODERATORS)),
                  key=lambda c: c["name"].lower())
