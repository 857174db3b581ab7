"""Resolving actors and their keys: local ones from the keystore, remote ones by a
signed fetch (instance actor) with a cache in the ``remote_actors`` collection.
"""

from __future__ import annotations

import json
import logging
import math
import time
from urllib.parse import urlsplit

import mongoengine as me
import requests

from fedkit.protocol import jsonbody, key_fetch
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import ACTOR_TYPES, id_of, instance_actor_id, type_of
from fedkit.rules.profile_view import searchable_profile
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime import clock, keystore
from fedkit.runtime.config import Config
from fedkit.runtime.db import Document
from fedkit.runtime.http import read_capped, signed_get

log = logging.getLogger(__name__)


class FetchError(Exception):
    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.status = status


class CachedActor(Document):
    meta = {"collection": "remote_actors", "indexes": ["key_id", "shared_inbox", "preferred_username",
                                                       "profile.entity", "profile.department", "profile.skills"]}
    actor_id = me.StringField(primary_key=True)
    key_id = me.StringField()
    public_pem = me.StringField()
    inbox = me.StringField()
    shared_inbox = me.StringField()
    followers = me.StringField()
    actor_type = me.StringField()
    preferred_username = me.StringField()
    # The document as fetched, as JSON text: remote keys may be anything ("$x", "a.b").
    raw_json = me.StringField()
    fetched_at = me.DateTimeField()
    # Suspended at its origin (Mastodon's ``toot:suspended`` in its document or in its
    # Update, or the origin answers 404/410): no key is resolved for it, nothing is
    # delivered to it and what it wrote is not shown. A refetch that finds it active clears it.
    suspended = me.BooleanField(default=False)
    # A person's profile as the document says it (fedkit.rules.profile_view.searchable_profile:
    # department, entity, skills…): what a people directory of the group filters on.
    profile = me.DictField()

    @property
    def raw(self) -> dict:
        return json.loads(self.raw_json or "{}")


def _instance_key(config: Config) -> tuple[str, str]:
    return keystore.signing_key(instance_actor_id(config.base_url))


MAX_DOCUMENT_BYTES = 2_000_000


def fetch_json(url: str, config: Config, *, as_actor: str | None = None, timeout: float | None = None) -> dict:
    """Signed GET of an ActivityPub document (size-capped), signed by the instance actor,
    or by ``as_actor`` (a local actor) where only an actor-level signature will do.
    ``timeout`` (default ``http_timeout``) bounds the connection, each read and the body."""
    key_id, private_pem = keystore.signing_key(as_actor) if as_actor else _instance_key(config)
    timeout = timeout or config.http_timeout
    try:
        resp = signed_get(url, config, key_id=key_id, private_pem=private_pem, timeout=timeout)
        if resp.status_code != 200:
            resp.close()
            raise FetchError("http_error", f"GET {url} answered {resp.status_code}", resp.status_code)
        body = read_capped(resp, MAX_DOCUMENT_BYTES, deadline=time.monotonic() + timeout)
    except UnsafeURL as exc:
        raise FetchError("unsafe_url", str(exc)) from None
    except (requests.RequestException, UnicodeError) as exc:
        raise FetchError("unreachable", f"cannot fetch {url}: {type(exc).__name__}") from None
    if body is None:
        raise FetchError("too_large", f"GET {url} returned more than {MAX_DOCUMENT_BYTES} bytes")
    try:
        data = jsonbody.loads(body)  # what could not be stored and read back is refused here too
    except ValueError:
        raise FetchError("malformed_json", f"GET {url} did not return JSON this node can keep") from None
    if not isinstance(data, dict):
        raise FetchError("malformed_json", f"GET {url} did not return an object")
    return data


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _same_host(a: str, b: str) -> bool:
    return urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()


def _cache_actor(data: dict, fetched_url: str, config: Config) -> CachedActor:
    """Cache an actor document fetched from ``fetched_url`` — only if it is who it says.

    The document's id must be the URL it was fetched from (no claiming someone else's id),
    remote documents can never claim a local id, and its key must live on its own host.
    """
    actor_id = id_of(data)
    if type_of(data) not in ACTOR_TYPES or not actor_id or actor_id != fetched_url.split("#", 1)[0]:
        raise FetchError("not_an_actor", f"{fetched_url} does not serve an actor with that id")
    if is_local(actor_id, config.base_url):
        raise FetchError("not_an_actor", "a remote document cannot stand for a local actor")
    key = data.get("publicKey")
    if isinstance(key, list):
        key = key[0] if key else None
    key_id = id_of(key) if key else None
    if key_id and not _same_host(key_id, actor_id):
        key_id = None
    endpoints = data.get("endpoints") if isinstance(data.get("endpoints"), dict) else {}
    cached = CachedActor(
        actor_id=actor_id,
        key_id=key_id,
        public_pem=_text(key.get("publicKeyPem")) if key_id and isinstance(key, dict) else None,
        inbox=_text(id_of(data.get("inbox"))),
        shared_inbox=_text(id_of(endpoints.get("sharedInbox"))),
        followers=_text(id_of(data.get("followers"))),
        actor_type=type_of(data),
        preferred_username=_text(data.get("preferredUsername")),
        raw_json=json.dumps(data),
        fetched_at=clock.now(),
        suspended=data.get("suspended") is True,
        profile=searchable_profile(data),
    )
    try:
        cached.save()
    except me.NotUniqueError:
        # Two workers cached the same actor at once: concurrent upserts of one _id may
        # fail with a duplicate key; the other copy exists now, so replacing it works.
        cached.save()
    if cached.suspended:
        _forget_keys_of(actor_id)
    return cached


def mark_suspended(actor_id: str) -> bool:
    """Record that a cached remote actor is suspended (or gone) at its origin; True if it
    was cached. Its key stops resolving at once in every process (see ``resolve_key``)."""
    _forget_keys_of(actor_id)
    return bool(CachedActor.objects(actor_id=actor_id).update_one(set__suspended=True))


def is_suspended(actor_id: str) -> bool:
    """Is this remote actor known here as suspended? (Local accounts: ask identity.)"""
    found = CachedActor._get_collection().find_one({"_id": actor_id, "suspended": True}, {"_id": 1})
    return found is not None


def get_actor(actor_id: str, config: Config, *, refresh: bool = False) -> CachedActor:
    """A remote actor by id, from the cache unless stale or ``refresh``."""
    cached = CachedActor.objects(actor_id=actor_id).first()
    if cached and not refresh:
        fetched = cached.fetched_at
        if fetched and (clock.now() - fetched).total_seconds() < config.actor_cache_seconds:
            return cached
    return _cache_actor(fetch_json(actor_id, config), actor_id, config)


_KEY_MEMO: dict[str, tuple[float, tuple[str, str]]] = {}
KEY_MEMO_SECONDS = 300.0


def _forget_keys_of(actor_id: str) -> None:
    for key_id, (_, (owner, _pem)) in list(_KEY_MEMO.items()):
        if owner == actor_id:
            _KEY_MEMO.pop(key_id, None)


SUSPENSION_RECHECK_SECONDS = 2.0
_SUSPENSION_MEMO: dict[str, tuple[float, bool]] = {}


def _recently_suspended(actor_id: str, now: float) -> bool:
    memo = _SUSPENSION_MEMO.get(actor_id)
    if memo and memo[0] > now:
        return memo[1]
    suspended = is_suspended(actor_id)
    if len(_SUSPENSION_MEMO) > 10_000:
        _SUSPENSION_MEMO.clear()
    _SUSPENSION_MEMO[actor_id] = (now + SUSPENSION_RECHECK_SECONDS, suspended)
    return suspended


def resolve_key(key_id: str, config: Config, *, refresh: bool = False) -> tuple[str, str] | None:
    """Like ``_resolve_key``, remembered in-process for a few minutes: the gateway checks
    every delivery's signature, and a rotated key is refetched when verification fails.

    A suspension is recorded by another process (the inbox worker applying the actor's
    Update), so a remembered remote key is used only while its owner is not suspended: a
    primary-key look-up at most every ``SUSPENSION_RECHECK_SECONDS`` per actor, so that a
    closure is refused within seconds without a database read on every delivery.
    """
    now = time.monotonic()
    if not refresh:
        memo = _KEY_MEMO.get(key_id)
        if memo and memo[0] > now:
            if is_local(key_id, config.base_url) or not _recently_suspended(memo[1][0], now):
                return memo[1]
            _KEY_MEMO.pop(key_id, None)
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
    Key with an ``owner``), then the owner, which must be on the key's host and list it.
    A suspended actor has no key: only a refetch (``refresh``, the verifier's one retry)
    that finds it active again at its origin — its reactivation — gives one back.
    """
    if is_local(key_id, config.base_url):
        return keystore.public_key_for_key_id(key_id)
    if not refresh:
        cached = CachedActor.objects(key_id=key_id).first()
        if cached and cached.suspended:
            return None
        if cached and cached.public_pem:
            return cached.actor_id, cached.public_pem
    # A fetch: bounded and never repeated soon after a failure (fedkit/protocol/key_fetch.py); may
    # raise KeyFetchRefused, which the gateway answers with 503 and Retry-After at once.
    if key_fetch.GATE.known_bad(key_id):
        return None
    with key_fetch.GATE.slot(key_id, config):
        try:
            actor = _fetch_key_owner(key_id, config)
        except FetchError as exc:
            log.info("key %s not resolved: %s", key_id, exc)
            # No answer (timeout, refused, 5xx, 408/429): the host waits; any other refusal: the key.
            host_down = exc.code == "unreachable" or exc.status in (408, 429) or (exc.status or 0) >= 500
            if not host_down:
                _remember_bad_key(key_id, config)
                return None
            key_fetch.GATE.failed(key_id, config, host_down=True)
            raise key_fetch.KeyFetchRefused("key_host_unreachable", "the key's server did not answer; try later",
                                            math.ceil(config.key_fetch_failure_seconds)) from None
        except me.ValidationError as exc:
            log.info("key %s not resolved: unusable actor document (%s)", key_id, exc)
            _remember_bad_key(key_id, config)
            return None
    if actor is None or actor.key_id != key_id or not actor.public_pem:
        _remember_bad_key(key_id, config)
        return None
    if actor.suspended:
        return None  # not remembered as a failure: a refetch is how a reactivation is seen
    return actor.actor_id, actor.public_pem


def _remember_bad_key(key_id: str, config: Config) -> None:
    """Answer 401 at once for a while to a key whose document was refused — unless an actor
    cached here holds it: its changes (a suspension, a reactivation) are seen by refetching."""
    if CachedActor.objects(key_id=key_id).only("actor_id").first() is None:
        key_fetch.GATE.failed(key_id, config, host_down=False)


def _fetch_key_owner(key_id: str, config: Config) -> CachedActor | None:
    """Fetch the key id (Mastodon: the actor itself; others: a Key with an owner on the
    same host, fetched next), with the short key-fetch timeout; the owner is cached."""
    url = key_id.split("#", 1)[0]
    data = fetch_json(url, config, timeout=config.key_fetch_timeout)
    if type_of(data) not in ACTOR_TYPES:
        owner = data.get("owner")
        if not isinstance(owner, str) or not _same_host(owner, key_id):
            return None
        url, data = owner, fetch_json(owner, config, timeout=config.key_fetch_timeout)
    return _cache_actor(data, url, config)
