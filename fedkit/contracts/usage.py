"""The usage observatory's sources (gateway/usage_*.py): what each service tells the
gateway about a period, one small read-only endpoint per service, all internal.

Each answers facts about this node's own people and communities; the gateway turns them
into k-anonymous figures (gateway/usage_figures.py) and nothing here leaves the node.
"""

from __future__ import annotations

from dataclasses import dataclass

from fedkit.contracts import Transport

# outbox: GET ?since=&until= (ISO 8601): its people's posts, replies, reactions and joins
OUTBOX_ACTIVITIES = "/internal/usage/activities"
# identity: GET: every account (username, entity from the directory, creation time, closed)
IDENTITY_PEOPLE = "/internal/usage/people"
# inbox: POST {ids}: for each post it knows, its addressees and who replied to it
INBOX_OBJECTS = "/internal/usage/objects"
# communities: GET: the node's communities (id, slug, name, dormant, members)
COMMUNITIES_LIST = "/internal/usage/communities"

MAX_IDS = 2000  # ids per inbox call


@dataclass(frozen=True)
class Activity:
    """One thing a local person did (``kind``: post, reply, reaction, join)."""

    username: str
    kind: str
    at: str  # ISO 8601
    object: str | None  # the post (post, reply), its target (reaction), the followee (join)
    addressees: tuple[str, ...] = ()
    question: bool = False  # a post that asks (see services/outbox/usage_api.py)


class UsageSources:
    """The four services' usage endpoints, on the node's transport."""

    def __init__(self, transport: Transport):
        self.transport = transport

    def activities(self, since: str, until: str) -> list[Activity]:
        items = self.transport.get_json("outbox", OUTBOX_ACTIVITIES, params={"since": since, "until": until})["items"]
        return [Activity(i["username"], i["kind"], i["at"], i.get("object"), tuple(i.get("addressees") or ()),
                         bool(i.get("question"))) for i in items]

    def people(self) -> list[dict]:
        """``[{"username", "entity", "created_at", "closed"}]``."""
        return list(self.transport.get_json("identity", IDENTITY_PEOPLE)["items"])

    def objects(self, ids: list[str]) -> dict[str, dict]:
        """{id: {"addressees": [...], "repliers": [actor ids]}} for the posts the inbox knows."""
        found: dict[str, dict] = {}
        for start in range(0, len(ids), MAX_IDS):
            chunk = ids[start:start + MAX_IDS]
            found.update(self.transport.post_json("inbox", INBOX_OBJECTS, {"ids": chunk})["objects"])
        return found

    def communities(self) -> list[dict]:
        return list(self.transport.get_json("communities", COMMUNITIES_LIST)["items"])
