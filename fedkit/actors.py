"""Resolving actors and their keys: local ones from the keystore, remote ones by a
signed fetch (instance actor) with a cache in the ``remote_actors`` collection.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

import mongoengine as me
import requests

from fedkit import keystore
from fedkit.config import Config
from fedkit.http import signed_get
from fedkit.ssrf import UnsafeURL
from fedkit.vocab import ACTOR_TYPES, id_of, instance_actor_id, type_of

log = logging.getLogger(__name__)


class FetchError(Exception):
    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


class CachedActor(me.Document):
    meta = {"collection": "remote_actors", "indexes": ["key_id", "shared_inbox"]}
    actor_id = me.StringField(primary_key=True)
    key_id = me.StringField()
    public_pem = me.StringField()
    inbox = me.StringField()
    shared_inbox = me.StringField()
    followers = me.StringField()
    actor_type = me.StringField()
    preferred_username = me.StringField()
    raw = me.DictField()
    fetched_at = me.DateTimeField()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _instance_key(config: Config) -> tuple[str, str]:
    return keystore.signing_key(instance_actor_id(config.base_url))


def fetch_json(url: str, config: Config) -> dict:
    """Signed GET of an ActivityPub document, signed by the instance actor."""
    key_id, private_pem = _instance_key(config)
    try:
        resp = signed_get(url, config, key_id=key_id, private_pem=private_pem)
    except UnsafeURL as exc:
        raise FetchError("unsafe_url", str(exc)) from None
    except requests.RequestException as exc:
        raise FetchError("unreachable", f"cannot fetch {url}: {type(exc).__name__}") from None
    if resp.status_code != 200:
        raise FetchError("http_error", f"GET {url} answered {resp.status_code}", resp.status_code)
    try:
        data = resp.json()
    except ValueError:
        raise FetchError("malformed_json", f"GET {url} did not return JSON") from None
    if not isinstance(data, dict):
        raise FetchError("malformed_json", f"GET {url} did not return an object")
    return data


def _cache_actor(data: dict) -> CachedActor:
    actor_id = id_of(data)
    key = data.get("publicKey")
    if isinstance(key, list):
        key = key[0] if key else None
    endpoints = data.get("endpoints") if isinstance(data.get("endpoints"), dict) else {}
    cached = CachedActor(
        actor_id=actor_id,
        key_id=id_of(key) if key else None,
        public_pem=key.get("publicKeyPem") if isinstance(key, dict) else None,
        inbox=id_of(data.get("inbox")),
        shared_inbox=id_of(endpoints.get("sharedInbox")),
        followers=id_of(data.get("followers")),
        actor_type=type_of(data),
        preferred_username=data.get("preferredUsername"),
        raw=data,
        fetched_at=_now(),
    )
    cached.save()
    return cached


def get_actor(actor_id: str, config: Config, *, refresh: bool = False) -> CachedActor:
    """A remote (or local) actor by id, from the cache unless stale or ``refresh``."""
    cached = CachedActor.objects(actor_id=actor_id).first()
    if cached and not refresh:
        fetched = cached.fetched_at
        if fetched and (_now() - fetched).total_seconds() < config.actor_cache_seconds:
            return cached
    data = fetch_json(actor_id, config)
    if type_of(data) not in ACTOR_TYPES or id_of(data) != actor_id:
        raise FetchError("not_an_actor", f"{actor_id} is not an actor document")
    return _cache_actor(data)


_KEY_MEMO: dict[str, tuple[float, tuple[str, str]]] = {}
KEY_MEMO_SECONDS = 300.0


def resolve_key(key_id: str, config: Config, *, refresh: bool = False) -> tuple[str, str] | None:
    """Like ``_resolve_key``, remembered in-process for a few minutes: the gateway checks
    every delivery's signature, and a rotated key is refetched when verification fails."""
    now = time.monotonic()
    if not refresh:
        memo = _KEY_MEMO.get(key_id)
        if memo and memo[0] > now:
            return memo[1]
    found = _resolve_key(key_id, config, refresh=refresh)
    if found is not None:
        if len(_KEY_MEMO) > 10_000:
            _KEY_MEMO.clear()
        _KEY_MEMO[key_id] = (now + KEY_MEMO_SECONDS, found)
    else:
        _KEY_MEMO.pop(key_id, None)
    return found


def _resolve_key(key_id: str, config: Config, *, refresh: bool = False) -> tuple[str, str] | None:
    """(owner actor id, public PEM) for a key id, or None when it cannot be found.

    Local keys come from the keystore. Remote ones: a cached actor holding that key,
    else fetch the key id (Mastodon serves the actor at ``actor#main-key``; others serve a
    Key with an ``owner``) and then the owner, whose document must list the same key.
    """
    if key_id.startswith(config.base_url + "/"):
        return keystore.public_key_for_key_id(key_id)
    if not refresh:
        cached = CachedActor.objects(key_id=key_id).first()
        if cached and cached.public_pem:
            return cached.actor_id, cached.public_pem
    try:
        data = fetch_json(key_id.split("#", 1)[0], config)
        if type_of(data) not in ACTOR_TYPES:
            owner = data.get("owner")
            if not isinstance(owner, str):
                return None
            data = fetch_json(owner, config)
        actor = _cache_actor(data) if type_of(data) in ACTOR_TYPES and id_of(data) else None
    except FetchError as exc:
        log.info("key %s not resolved: %s", key_id, exc)
        return None
    if actor is None or actor.key_id != key_id or not actor.public_pem:
        return None
    return actor.actor_id, actor.public_pem
