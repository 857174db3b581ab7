"""A local post moved by moderators from one community of this node to another (the
communities service asks, having checked fedkit/rules/community_moves.py).

The post's one copy is addressed to the new community instead of the old one (its
followers collection likewise; the rest of the author's addressing stays), the Create's
routing facts follow, and an Update from its author carries the new addressing wherever
the post went: to the new community's Group (the communities service has it announce the
post to its members) and, hidden (bcc), to the old community's members on other nodes,
whose servers then show it only to whom the new addressing admits — as this node's inbox
does once the Update has gone through it. Nothing the post says changes: it is not an
edit (no ``updated``, no new version).
"""

from __future__ import annotations

from fedkit.protocol.local_ids import local_username
from fedkit.protocol.vocab import UPDATE, as_list, audience_of, id_of
from fedkit.runtime.config import Config
from services.outbox.models import LocalObject, OutboxActivity
from services.outbox.posting import publish_as
from services.outbox.publishing import PublishError

ADDRESSING = ("to", "cc", "audience")


def swapped(raw: dict, source: str, target: str) -> dict:
    """``raw`` addressed to ``target`` wherever it named ``source`` (or its followers)."""
    mapping = {source: target, f"{source}/followers": f"{target}/followers"}
    moved = dict(raw)
    for key in ADDRESSING:
        if key not in raw:
            continue
        values = [mapping.get(id_of(v), v) for v in as_list(raw[key])]
        moved[key] = values if isinstance(raw[key], list) else values[0]
    return moved


def move(config: Config, object_id: str, source: str, target: str, also_to: list[str]) -> dict:
    """Readdress the post and publish its author's Update; the new post. PublishError when
    it is not a live local post addressed to ``source`` (404) or its author is closed."""
    found = LocalObject.objects(object_id=object_id, deleted=False).first()
    if found is None or source not in found.addressees:
        raise PublishError(404, "not_found", "no such post addressed to that community")
    username = local_username(found.author, config.base_url)
    if username is None:
        raise PublishError(404, "not_found", "no such post addressed to that community")
    moved = swapped(found.raw, source, target)
    found.update(set__raw=moved, set__addressees=audience_of(moved))
    for record in OutboxActivity.objects(object_id=object_id):  # its Create and edits: who may see them
        record.update(set__addressees=as_list(swapped({"to": record.addressees}, source, target)["to"]))
    publish_as(username, {"type": UPDATE, "object": {"id": object_id}}, guard=False,
               also_to=tuple(a for a in also_to if a not in (found.author, target)))
    return moved
