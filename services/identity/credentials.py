"""Secrets the node hands out (app secrets, authorization codes, access and refresh
tokens, web session ids) are high-entropy random strings; the node keeps only their
SHA-256 digest and looks them up by it. A slow password hash buys nothing for 256-bit
random values, and a digest lookup is one indexed query.

``hash_clear_credentials`` converts records written before this (clear values) in
place: ``python -m deploy.migrate`` runs it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from pymongo.errors import DuplicateKeyError

log = logging.getLogger(__name__)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_clear_credentials(db) -> dict[str, int]:
    """Replace the clear client secrets and tokens of an older node by their digests;
    clear authorization codes (valid five minutes) are dropped. Idempotent."""
    done = {"clients": 0, "tokens": 0, "codes": 0}
    clients = db["oauth_clients"]
    for doc in clients.find({"client_secret": {"$exists": True}}, {"client_secret": 1}):
        clients.update_one({"_id": doc["_id"]}, {"$set": {"client_secret_hash": digest(doc["client_secret"])},
                                                 "$unset": {"client_secret": ""}})
        done["clients"] += 1
    tokens = db["oauth_tokens"]
    for doc in tokens.find({"hashed": {"$ne": True}}):
        clear = doc.pop("_id")
        refresh = doc.pop("refresh_token", None)
        doc.update(_id=digest(clear), hashed=True, refresh_token_hash=digest(refresh) if refresh else None)
        try:
            tokens.insert_one(doc)
        except DuplicateKeyError:
            pass  # converted by a previous, interrupted run
        tokens.delete_one({"_id": clear})
        done["tokens"] += 1
    done["codes"] = db["oauth_codes"].delete_many({"hashed": {"$ne": True}}).deleted_count
    if any(done.values()):
        log.info("credentials stored as digests: %s", done)
    return done
