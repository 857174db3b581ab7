"""The api's calls for legal holds and erasures (identity, through fedkit/contracts/erasure.py),
beside upstream.py; a service that does not answer becomes ``Unavailable`` (503) as there."""

from __future__ import annotations

from fedkit.contracts.erasure import ErasureClient, ErasureOutcome, LegalHoldOn
from fedkit.runtime.internal import internal_client
from services.api.upstream import _answering

__all__ = ["LegalHoldOn", "legal_hold", "place_hold", "lift_hold", "erase"]


def _client() -> ErasureClient:
    return ErasureClient(internal_client())


def legal_hold(username: str) -> dict | None:
    with _answering("identity"):
        return _client().legal_hold(username)


def place_hold(username: str, *, reason: str, by: str) -> dict | None:
    with _answering("identity"):
        return _client().place_hold(username, reason=reason, by=by)


def lift_hold(username: str, *, by: str) -> bool:
    with _answering("identity"):
        return _client().lift_hold(username, by=by)


def erase(username: str, *, reason: str, by: str) -> ErasureOutcome | None:
    """Raises LegalHoldOn (not an unavailable service: the hold is the answer)."""
    with _answering("identity"):
        return _client().erase(username, reason=reason, by=by)
