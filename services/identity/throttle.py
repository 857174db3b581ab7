"""Throttling of password guesses: a fixed window per key (an account name, a client
address) that allows ``limit`` attempts; the failure that reaches the limit locks the
key for the lockout's length.

Kept in MongoDB (collection ``login_failures``): every gunicorn worker and every identity
replica sees the same counts, and identity needs no store it does not already depend on
for the sign-in itself (Redis carries only queue nudges on a node and may be down
without losing anything; a throttle there would fail open or lock everyone out).

An attempt is reserved *before* the password is hashed (an atomic ``$inc``), so
concurrent guesses cannot all pass the check while the first hashes run: at most
``limit`` passwords are ever checked per key and window. A success gives its reservation
back (an address) or clears the account's count, so correct sign-ins are never throttled.
"""

from __future__ import annotations

import datetime as dt
import math

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from fedkit.runtime import clock
from services.identity.models import LoginFailures


def _collection():
    return LoginFailures._get_collection()


# How often an attempt is taken again when neither its upsert nor a racing insert is visible
# yet (the embedded database, under many sign-ins at once); 3 was seen to run out with 16
# racing workers, refusing a sign-in within its limit.
RACE_RETRIES = 20


def reserve(key: str, limit: int, lockout: dt.timedelta) -> float | None:
    """Take one attempt for ``key``; None when it may go ahead, else the seconds until the
    key may try again (nothing is taken then)."""
    now = clock.now()
    coll = _collection()
    coll.delete_one({"_id": key, "expires_at": {"$lte": now}})  # an ended window starts afresh
    for _ in range(RACE_RETRIES):
        # The key's record is created apart from the count, so that no increment rides on an
        # upsert: the embedded database (SecantusDB) may answer None to an upsert that raced
        # another one's insert, and then whose increment counted is unknown.
        try:
            coll.update_one({"_id": key}, {"$setOnInsert": {"count": 0, "expires_at": now + lockout}}, upsert=True)
        except DuplicateKeyError:  # another worker created it at the same instant: it is there
            pass
        doc = coll.find_one_and_update({"_id": key}, {"$inc": {"count": 1}}, return_document=ReturnDocument.AFTER)
        if doc is not None:
            break
        # not visible yet (created by a racing worker, or its window just ended): again
    else:
        return 1.0
    if doc["count"] <= limit:
        return None
    coll.update_one({"_id": key}, {"$inc": {"count": -1}})  # a refused attempt checked nothing
    return max(1.0, math.ceil((clock.aware(doc["expires_at"]) - now).total_seconds()))


def release(key: str) -> None:
    """Give back a reservation (the attempt succeeded or never checked a password)."""
    _collection().update_one({"_id": key, "count": {"$gt": 0}}, {"$inc": {"count": -1}})


def clear(key: str) -> None:
    _collection().delete_one({"_id": key})


def failed(key: str, limit: int, lockout: dt.timedelta) -> bool:
    """The reserved attempt failed: it stays counted; the one that reaches the limit
    starts the lockout (True then)."""
    locked = _collection().update_one({"_id": key, "count": {"$gte": limit}},
                                      {"$set": {"expires_at": clock.now() + lockout}})
    return bool(locked.modified_count)
