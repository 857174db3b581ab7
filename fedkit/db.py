"""MongoDB connection for one process of a node (mongoengine, default alias).

One database per node; each collection is owned by one service (named in its models
module), others reach that data through the owner's internal HTTP API.
"""

from __future__ import annotations

import logging

import mongoengine

from fedkit.config import Config


def connect_db(config: Config) -> None:
    mongoengine.disconnect()
    mongoengine.connect(
        db=config.db_name,
        host=config.mongodb_uri,
        uuidRepresentation="standard",
        tz_aware=True,
        serverSelectionTimeoutMS=15000,
        connect=False,
    )


class Document(mongoengine.Document):
    """Base of every stored document. Indexes are created once by ``deploy.migrate``
    (a deployment step), never implicitly by each process on first use: concurrent
    implicit createIndexes from many processes is slow on MongoDB and can livelock
    the embedded SecantusDB."""

    meta = {"abstract": True, "auto_create_index": False, "auto_create_index_on_save": False}


log = logging.getLogger(__name__)

# The write that a 201/202 answer promises is journaled before the answer (j:true), so a
# database killed -9 right after keeps it: with j:false, MongoDB and SecantusDB flush their
# journal in the background and may lose the last acknowledged writes. Earlier writes of the
# same request are in the journal before it, so one such write per request is enough.
ACKNOWLEDGED = {"j": True}


def ensure_ttl(document, field: str, retention_days: int, name: str) -> None:
    """A TTL index: ``document``'s records expire ``retention_days`` after ``field``
    (a deployment step, like the other indexes)."""
    try:
        document._get_collection().create_index(field, name=name, expireAfterSeconds=retention_days * 86400)
    except Exception as exc:  # an embedded server without TTL support still keeps the records
        log.warning("TTL index %s not created: %s", name, exc)


def ensure_indexes(documents) -> None:
    for document in documents:
        document.ensure_indexes()
