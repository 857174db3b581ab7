"""MongoDB connection for one process of a node (mongoengine, default alias).

One database per node; each collection is owned by one service (named in its models
module), others reach that data through the owner's internal HTTP API.
"""

from __future__ import annotations

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


def ensure_indexes(documents) -> None:
    for document in documents:
        document.ensure_indexes()
