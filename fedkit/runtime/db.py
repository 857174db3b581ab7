"""MongoDB connection for one process of a node (mongoengine, default alias).

One database per node; each collection is owned by one service (named in its models
module), others reach that data through the owner's internal HTTP API.
"""

from __future__ import annotations

import json
import logging

import mongoengine

from fedkit.runtime.config import Config


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
    collection, seconds = document._get_collection(), retention_days * 86400
    try:
        existing = collection.index_information().get(name)
        if existing is not None and existing.get("expireAfterSeconds") != seconds:
            # A changed period: MongoDB keeps an existing index's options (create_index would
            # fail); collMod changes them in place.
            collection.database.command("collMod", collection.name,
                                        index={"name": name, "expireAfterSeconds": seconds})
        else:
            collection.create_index(field, name=name, expireAfterSeconds=seconds)
    except Exception as exc:  # an embedded server without TTL support still keeps the records
        log.warning("TTL index %s not created: %s", name, exc)


def ensure_indexes(documents) -> None:
    for document in documents:
        document.ensure_indexes()


class JSONDictField(mongoengine.fields.BaseField):
    """A JSON object stored so that it reads back exactly as it was received.

    Other servers' documents are legal JSON-LD that BSON cannot always hold as is:
    keys starting with ``$`` (``{"$ref", "$id"}`` even reads back as a DBRef) or
    containing ``.``, which MongoDB restricts. Such a document is stored as its JSON
    text (under ``TEXT_KEY``, as bytes, a type JSON never produces); every other one as
    a plain subdocument, so it stays queryable (``raw.object.id``)."""

    TEXT_KEY = "_json"

    def __init__(self, **kwargs):
        kwargs.setdefault("default", dict)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, dict) and len(value) == 1 and isinstance(value.get(self.TEXT_KEY), bytes):
            return json.loads(value[self.TEXT_KEY])
        return value

    def to_mongo(self, value):
        if isinstance(value, dict) and _needs_text(value):
            return {self.TEXT_KEY: json.dumps(value).encode()}
        return value

    def validate(self, value, clean=True):
        if not isinstance(value, dict):
            self.error("only a JSON object may be stored here")

    def prepare_query_value(self, op, value):
        if op in ("set", "set_on_insert"):  # an update that replaces the whole document
            self.validate(value)
            return self.to_mongo(value)
        return super().prepare_query_value(op, value)


def _needs_text(value: dict) -> bool:
    """Does a key anywhere in ``value`` start with ``$`` or hold ``.`` or NUL, or a value
    not fit BSON (an integer beyond 64 bits, a string that is not UTF-8)?"""
    stack: list = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str) or key.startswith("$") or "." in key or "\x00" in key:
                    return True
                stack.append(child)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not -(2**63) <= item < 2**63:
                return True
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False
