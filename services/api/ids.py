"""Stable Mastodon ids for accounts: a time-ordered 64-bit number, as Mastodon's own.

Mastodon's ids are ``(milliseconds since the epoch << 16) | sequence`` written in
decimal (lib/mastodon/snowflake.rb): opaque to apps, yet digits only and ordered by
creation, which some apps still assume (older Tusky sorted by id, Mastodon.py turns a
digit-only id into an int). Here the low 16 bits are random rather than a database
sequence: an id is allocated once per actor, and the unique index turns the rare
collision into a retry. The number stays below 2**63 (a signed 64-bit integer, as
Mastodon's bigint column) until the year 10889.
"""

from __future__ import annotations

import secrets
import time

import mongoengine as me

from services.api.models import AccountId


def new_number(now_ms: int | None = None) -> str:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return str((ms << 16) | secrets.randbits(16))


def account_id(actor: str) -> str:
    """The Mastodon id of this actor URI, allocated on first use, the same ever after."""
    found = AccountId.objects(actor=actor).only("number").first()
    if found is not None:
        return found.number
    for _ in range(5):
        try:
            AccountId(actor=actor, number=new_number()).save(force_insert=True)
        except me.NotUniqueError:
            # Either another request allocated this actor's id first (use theirs), or
            # the number was taken (try another).
            found = AccountId.objects(actor=actor).only("number").first()
            if found is not None:
                return found.number
            continue
        return AccountId.objects(actor=actor).only("number").first().number
    raise RuntimeError("could not allocate an account id")


def actor_of(number: str) -> str | None:
    """The actor URI behind a Mastodon account id, or None for an id never given out."""
    if not (isinstance(number, str) and number.isascii() and number.isdigit() and len(number) <= 20):
        return None
    found = AccountId.objects(number=number).only("actor").first()
    return found.actor if found else None
