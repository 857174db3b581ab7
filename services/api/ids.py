"""Stable Mastodon ids for accounts and statuses: a time-ordered 64-bit number, as Mastodon's own.

Mastodon's ids are ``(milliseconds since the epoch << 16) | sequence`` written in
decimal (lib/mastodon/snowflake.rb): opaque to apps, yet digits only and ordered by
creation, which some apps still assume (older Tusky sorted by id, Mastodon.py turns a
digit-only id into an int). Here the low 16 bits are random rather than a database
sequence: an id is allocated once per actor, and the unique index turns the rare
collision into a retry. The number stays below 2**63 (a signed 64-bit integer, as
Mastodon's bigint column) until the year 10889.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time

import mongoengine as me

from services.api.models import AccountId, StatusId


def new_number(now_ms: int | None = None) -> str:
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return str((ms << 16) | secrets.randbits(16))


def _allocate(model, key_field: str, key: str, now_ms: int | None = None) -> str:
    """The number of ``key`` in ``model``, allocated on first use, the same ever after."""
    found = model.objects(**{key_field: key}).only("number").first()
    if found is not None:
        return found.number
    for _ in range(5):
        try:
            model(**{key_field: key, "number": new_number(now_ms)}).save(force_insert=True)
        except me.NotUniqueError:
            # Either another request allocated this key's id first (use theirs), or
            # the number was taken (try another).
            found = model.objects(**{key_field: key}).only("number").first()
            if found is not None:
                return found.number
            continue
        return model.objects(**{key_field: key}).only("number").first().number
    raise RuntimeError(f"could not allocate an id in {model.__name__}")


def _is_number(number) -> bool:
    return isinstance(number, str) and number.isascii() and number.isdigit() and len(number) <= 20


def account_id(actor: str) -> str:
    """The Mastodon id of this actor URI, allocated on first use, the same ever after."""
    return _allocate(AccountId, "actor", actor)


def known_account_ids(actors: list[str]) -> dict[str, str]:
    """{actor: number} of those ``actors`` that already have an account id, in one query (a page)."""
    wanted = list(dict.fromkeys(actors))
    return {a.actor: a.number for a in AccountId.objects(actor__in=wanted).only("actor", "number")} if wanted else {}


def actor_of(number: str) -> str | None:
    """The actor URI behind a Mastodon account id, or None for an id never given out."""
    if not _is_number(number):
        return None
    found = AccountId.objects(number=number).only("actor").first()
    return found.actor if found else None


def _published_ms(published) -> int | None:
    if not isinstance(published, str):
        return None
    try:
        when = dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    ms = int(when.timestamp() * 1000)
    return ms if 0 < ms < 2**46 else None  # a date the id can hold; else the time of first sight


def status_id(uri: str, published=None) -> str:
    """The Mastodon id of this object URI; a new one is ordered by the object's
    ``published`` time (Mastodon's ids of remote statuses too come from their date)."""
    return _allocate(StatusId, "uri", uri, _published_ms(published))


def known_status_ids(uris: list[str]) -> dict[str, str]:
    """{uri: number} of those ``uris`` that already have a status id, in one query (a page)."""
    wanted = list(dict.fromkeys(uris))
    return {s.uri: s.number for s in StatusId.objects(uri__in=wanted).only("uri", "number")} if wanted else {}


def uri_of_status(number: str) -> str | None:
    """The object URI behind a status id, or None for an id never given out."""
    if not _is_number(number):
        return None
    found = StatusId.objects(number=number).only("uri").first()
    return found.uri if found else None


def given_status_id(uri: str) -> str | None:
    """The id this object URI was given, or None if it never was (nothing to allocate:
    a deleted status's id is only told to clients that may hold it)."""
    found = StatusId.objects(uri=uri).only("number").first()
    return found.number if found else None
