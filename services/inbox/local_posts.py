"""This node's own posts in the inbox: stored once, by the outbox.

The outbox holds a local post's one copy (``local_objects``). What the inbox stores of it
— the local activity and its ``ReceivedObject`` — keeps only what routes it, orders it and
lets the visibility policy decide (id, type, author, addressing, reply target, times, the
accounts it mentions); its content is read from the outbox when it is shown, through the
outbox's contract, one call per page.
"""

from __future__ import annotations

from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.polls import is_vote
from fedkit.protocol.vocab import CREATE, HASHTAG, MENTION, TOMBSTONE, UPDATE, id_of, type_of
from fedkit.runtime.internal import InternalClient

# What the inbox keeps of a local post: routing, ordering and the policy's facts.
# A poll's end time too: the inbox tells its author and voters when it ends (poll_endings.py).
ROUTING_FIELDS = ("id", "type", "attributedTo", "to", "cc", "audience", "inReplyTo", "published", "updated",
                  "endTime", "closed")


def routing_form(obj: dict) -> dict:
    """A local post without its content: the fields above, its Mention and Hashtag tags. A vote
    (a contentless Note naming a poll's option) is kept whole: its ``name`` is what it says
    and what routes it (services/inbox/votes.py)."""
    if is_vote(obj):
        return obj
    kept = {k: obj[k] for k in ROUTING_FIELDS if k in obj}
    tags = obj.get("tag") if isinstance(obj.get("tag"), list) else [obj.get("tag")]
    # mentions route it; hashtags place it in the tag timeline (services/inbox/search_api.py)
    routing_tags = [t for t in tags if isinstance(t, dict) and t.get("type") in (MENTION, HASHTAG)]
    if routing_tags:
        kept["tag"] = routing_tags
    return kept


def routed(activity: dict) -> dict:
    """A local Create or Update as the inbox stores it: its post reduced to ``routing_form``
    (the outbox said it holds the post)."""
    obj = activity.get("object") if isinstance(activity, dict) else None
    if isinstance(obj, dict) and id_of(obj) and type_of(activity) in (CREATE, UPDATE):
        return {**activity, "object": routing_form(obj)}
    return activity


def _embedded_posts(doc) -> list[dict]:
    """The dicts in a shown document that may be posts: itself, its object, its object's object."""
    found = []
    for _ in range(3):
        if not isinstance(doc, dict):
            break
        found.append(doc)
        doc = doc.get("object")
    return found


def with_local_objects(docs: list, internal: InternalClient, base_url: str) -> list:
    """``docs`` (activities or objects as the inbox shows them) with every post of this
    node put back as the outbox holds it, read in one call; posts the outbox does not hold
    (e.g. a notice of the node's instance actor) stay as stored here."""
    wanted = {id_of(d) for doc in docs for d in _embedded_posts(doc)
              if type_of(d) != TOMBSTONE and is_local(id_of(d), base_url)}
    if not wanted:
        return docs
    held = OutboxClient(internal).local_objects(sorted(wanted))
    return [_filled(doc, held) for doc in docs]


def _filled(doc, held: dict[str, dict]):
    if not isinstance(doc, dict):
        return doc
    if type_of(doc) != TOMBSTONE and id_of(doc) in held:
        return held[id_of(doc)]
    inner = doc.get("object")
    if isinstance(inner, dict):
        return {**doc, "object": _filled(inner, held)}
    return doc
