"""The inbox's one hook for the search index: once an activity is applied, the received
posts it names are indexed as the inbox now holds them — added or changed (Create,
Update, a relayed Announce), or removed (Delete, a Tombstone) — through the index stream
(fedkit/contracts/search.py). This node's own posts are indexed by the outbox, which holds
their text (services/outbox/objects.py)."""

from __future__ import annotations

from fedkit.contracts import search
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.polls import is_vote
from fedkit.protocol.vocab import Document, id_of
from fedkit.runtime.config import Config
from services.inbox.models import ReceivedObject


def _named(doc: Document) -> list[str]:
    """The objects an activity names: its object, and an Announce's (or Undo's) object's object."""
    obj = doc.raw.get("object")
    found = [id_of(obj)]
    if isinstance(obj, dict):
        found.append(id_of(obj.get("object")))
    return [i for i in found if isinstance(i, str) and i]


def event_of(record: ReceivedObject, config: Config) -> dict | None:
    """The index event of a received post as held now (None: a local post, or a vote)."""
    if is_local(record.object_id, config.base_url) or is_vote(record.raw):
        return None
    if record.deleted:
        return search.removal(search.POST, record.object_id)
    return search.post_event(record.raw, record.attributed_to)


def indexed(records, config: Config) -> None:
    """Queue the index events of these received posts (never raises: an index that missed
    one is repaired by a rebuild)."""
    events = [e for e in (event_of(r, config) for r in records) if e is not None]
    if events:
        search.notify(config, events)


def applied(doc: Document, config: Config) -> None:
    """Index the posts an applied activity names, as the inbox now holds them."""
    indexed(ReceivedObject.objects(object_id__in=_named(doc)), config)
