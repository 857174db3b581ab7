"""The provider's own secrets, made on first start and kept in its database: the RSA
keys that sign ID tokens (published as a JWK set) and the session cookie key."""

from __future__ import annotations

import secrets
import threading

from joserfc.jwk import KeySet, RSAKey
from mongoengine import NotUniqueError

from services.idp.models import ProviderSecret, SigningKey

ALG = "RS256"
_parsed: dict[str, RSAKey] = {}
_lock = threading.Lock()


def _import(doc: SigningKey) -> RSAKey:
    with _lock:
        key = _parsed.get(doc.kid)
        if key is None:
            key = _parsed[doc.kid] = RSAKey.import_key(dict(doc.private_jwk))
        return key


def create_signing_key() -> SigningKey:
    key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALG}, private=True, auto_kid=True)
    doc = SigningKey(kid=key.kid, private_jwk=key.as_dict(private=True))
    doc.save(force_insert=True)
    return doc


def ensure_signing_key() -> SigningKey:
    """The key that signs now; made when there is none. Two processes starting together
    may both make one: both are then published, the newest signs."""
    doc = SigningKey.objects(active=True).order_by("-created_at").first()
    return doc or create_signing_key()


def current_signing_key() -> RSAKey:
    return _import(ensure_signing_key())


def rotate_signing_key() -> SigningKey:
    """A new signing key; the previous one stays published (tokens it signed are still
    valid for a while), older ones are retired."""
    previous = SigningKey.objects(active=True).order_by("-created_at").first()
    new = create_signing_key()
    retire = SigningKey.objects(active=True, kid__nin=[new.kid] + ([previous.kid] if previous else []))
    retire.update(set__active=False)
    return new


def public_jwks() -> dict:
    ensure_signing_key()  # never an empty set, even before the first token
    keys = [_import(doc) for doc in SigningKey.objects(active=True).order_by("-created_at")]
    return KeySet(keys).as_dict(private=False)


def session_secret(configured: str = "") -> str:
    """The session cookie key: ``ARCHIPEL_IDP_SECRET_KEY`` when set, else one the provider
    made for itself on first start (the same for every worker process)."""
    if configured:
        return configured
    existing = ProviderSecret.objects(name="session").first()
    if existing:
        return existing.value
    try:
        ProviderSecret(name="session", value=secrets.token_urlsafe(48)).save(force_insert=True)
    except NotUniqueError:
        pass  # another worker made it first
    return ProviderSecret.objects.get(name="session").value
