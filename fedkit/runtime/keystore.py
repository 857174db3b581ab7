"""The node's actor keys (collection ``actor_keys``).

Written by the identity service when it creates an actor; read by the parts that
sign (outbox delivery, signed fetches) and by the gateway for local signers. It is
the node's key vault: in production, point it at a restricted database or replace
``load_private_key`` with a KMS call. Private keys are never logged or served.
"""

from __future__ import annotations

from functools import lru_cache

import mongoengine as me

from fedkit.runtime.db import Document


class ActorKey(Document):
    meta = {"collection": "actor_keys", "indexes": ["key_id"]}
    actor_id = me.StringField(primary_key=True)
    key_id = me.StringField(required=True)
    public_pem = me.StringField(required=True)
    private_pem = me.StringField(required=True)

    def __repr__(self) -> str:  # never print the private key
        return f"<ActorKey {self.key_id}>"

    __str__ = __repr__


def store_key(actor_id: str, key_id: str, private_pem: str, public_pem: str) -> ActorKey:
    key = ActorKey(actor_id=actor_id, key_id=key_id, private_pem=private_pem, public_pem=public_pem)
    key.save()
    return key


@lru_cache(maxsize=4096)
def _load(actor_id: str) -> tuple[str, str, str] | None:
    key = ActorKey.objects(actor_id=actor_id).first()
    if key is None:
        return None
    return key.key_id, key.private_pem, key.public_pem


def signing_key(actor_id: str) -> tuple[str, str]:
    """(key_id, private_pem) of a local actor; KeyError when the actor has no key here."""
    found = _load(actor_id)
    if found is None:
        _load.cache_clear()
        raise KeyError(actor_id)
    return found[0], found[1]


def public_key_for_key_id(key_id: str) -> tuple[str, str] | None:
    """(owner actor id, public_pem) of a local key id, or None."""
    key = ActorKey.objects(key_id=key_id).only("actor_id", "public_pem").first()
    if key is None:
        return None
    return key.actor_id, key.public_pem
