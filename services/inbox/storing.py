"""Storing verified deliveries: each activity once (deduplicated by id, in one journaled
write), then queued for the worker. The HTTP acceptance (acceptance.py), the intake
stream's drain (worker.py) and local activities (internal_api.py) all store through here."""

from __future__ import annotations

import hashlib
import json

from pymongo import WriteConcern
from pymongo.errors import BulkWriteError

from fedkit.protocol.vocab import parse_document
from fedkit.runtime.db import ACKNOWLEDGED
from fedkit.runtime.queue import enqueue
from services.inbox.models import INBOUND, InboundActivity

QUEUE = "inbox"


def _activity_id(raw: dict, doc) -> str:
    return doc.id or "urn:sha256:" + hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()


def _inbound_document(raw: dict, signer: str | None, also_to: list[str], local: bool = False,
                      plan: dict | None = None) -> tuple[str, dict]:
    """(activity id, the document to store) for a delivery; DocumentError if it is none."""
    doc = parse_document(raw)
    activity_id = _activity_id(raw, doc)
    return activity_id, InboundActivity(activity_id=activity_id, raw=raw, activity_type=doc.type, signer=signer,
                                        local=local, also_to=also_to, plan=plan).to_mongo().to_dict()


def _store(documents: dict[str, dict], broker) -> list[str]:
    """Insert the documents in one journaled write (each id once: a replay or a repeated
    delivery has no second effect) and queue the new ones; returns their ids. Raises when
    the database does not take them."""
    ids = list(documents)
    collection = InboundActivity._get_collection().with_options(write_concern=WriteConcern(**ACKNOWLEDGED))
    try:
        collection.insert_many(list(documents.values()), ordered=False)
        new = ids
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != 11000 for e in errors):
            raise
        seen = {ids[e["index"]] for e in errors}
        new = [i for i in ids if i not in seen]
    for activity_id in new:
        INBOUND.queued(activity_id, enqueue(broker, QUEUE, "process_inbound", activity_id))
    return new


def accept_activity(raw: dict, signer: str | None, *, broker, local: bool = False,
                    also_to: list[str] | None = None, plan: dict | None = None) -> tuple[str, bool]:
    """Store once and queue; returns (activity id, newly stored). For local activities
    (this node's outbox, with its audience plan) and deliveries the intake stream could not take."""
    activity_id, document = _inbound_document(raw, signer, also_to or [], local, plan)
    return activity_id, bool(_store({activity_id: document}, broker))


def accept_batch(deliveries: list[tuple[dict, str, list[str]]], broker) -> list[str]:
    """Store verified deliveries from the intake stream (intake.py) and queue the new
    ones; returns their ids. Raises when the database does not take them (the stream
    keeps them)."""
    documents: dict[str, dict] = {}
    for raw, signer, also_to in deliveries:
        activity_id, document = _inbound_document(raw, signer, also_to)
        documents.setdefault(activity_id, document)
    return _store(documents, broker) if documents else []
