"""The one builder of a Tombstone, what stands in place of a deleted object (AS2
Vocabulary §3.3 ``Tombstone``, with ``formerType`` and ``deleted``; ActivityPub §6.4:
a deleted object's id answers with a Tombstone)."""

from __future__ import annotations

from fedkit.protocol.vocab import TOMBSTONE


def tombstone(object_id: str | None, former_type: str | None = None, deleted: str | None = None) -> dict:
    """A Tombstone for ``object_id``; ``former_type`` (the object's type) and ``deleted``
    (an AS2 date-time, fedkit.runtime.clock.iso) only when known. Without an id (a reference that
    had none), a bare Tombstone."""
    doc = {"id": object_id, "type": TOMBSTONE, "formerType": former_type, "deleted": deleted}
    return {key: value for key, value in doc.items() if value is not None}
