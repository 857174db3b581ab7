"""What this node knows of posts' Likes, Announces and replies, as one reader sees them: the
counts a Status shows and the reader's own Like/Announce (whose id an Undo names). For one
post or a whole page of them, in a fixed number of queries (not a few per post)."""

from __future__ import annotations

from fedkit.protocol.vocab import ANNOUNCE, LIKE
from fedkit.rules.policy import Viewer
from services.inbox.models import Interaction, ReceivedObject
from services.inbox.reading import viewer_may_see

REPLIES_LIMIT = 200  # replies looked at per post (as the replies endpoint)
_COUNTED = {LIKE: "favourites", ANNOUNCE: "reblogs"}
_OWN = {LIKE: "favourite_id", ANNOUNCE: "reblog_id"}


def interactions_of(object_ids: list[str], viewer: Viewer, me: str | None) -> dict[str, dict]:
    """{id: {"favourites", "reblogs", "replies" (those the viewer may see), "favourite_id",
    "reblog_id" (``me``'s own Like/Announce activity id, or None)}} for each of ``object_ids``."""
    ids = list(dict.fromkeys(object_ids))
    out = {i: {"favourites": 0, "reblogs": 0, "replies": 0, "favourite_id": None, "reblog_id": None} for i in ids}
    if not ids:
        return out
    counted = Interaction._get_collection().aggregate([
        {"$match": {"object_id": {"$in": ids}}},
        {"$group": {"_id": {"object_id": "$object_id", "kind": "$kind"}, "n": {"$sum": 1}}},
    ])
    for row in counted:
        field = _COUNTED.get(row["_id"]["kind"])
        if field and row["_id"]["object_id"] in out:
            out[row["_id"]["object_id"]][field] = row["n"]
    if me:
        for own in Interaction.objects(object_id__in=ids, actor=me).only("object_id", "kind", "activity_id"):
            if own.kind in _OWN:
                out[own.object_id][_OWN[own.kind]] = own.activity_id
    seen: dict[str, int] = {}
    for reply in ReceivedObject.objects(in_reply_to__in=ids, deleted=False).only("raw", "in_reply_to"):
        if seen.get(reply.in_reply_to, 0) < REPLIES_LIMIT:
            seen[reply.in_reply_to] = seen.get(reply.in_reply_to, 0) + 1
            if viewer_may_see(reply.raw, viewer):
                out[reply.in_reply_to]["replies"] += 1
    return out
