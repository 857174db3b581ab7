"""Archipel's SCIM extension for mobility (``MOBILITY_SCHEMA``) and what its attributes do
to an account (the move itself: services/identity/mobility.py).

The attributes are kept on the account, not in ``Account.scim_attributes``: ``movedFrom``
is the new Person's ``alsoKnownAs`` (``Account.also_known_as``), ``movedTo`` the old
account's ``Account.moved_to``; the SCIM User shows them as the account holds them.
"""

from __future__ import annotations

from typing import Annotated, Any

from scim2_models import (
    Extension,
    External,
    InvalidValueException,
    Mutability,
    Reference,
    Resource,
)
from scim2_models.urn import URN

from fedkit.runtime.config import Config
from services.identity.models import Account

MOBILITY_SCHEMA = "urn:archipel:params:scim:schemas:extension:mobility:2.0:User"


class Mobility(Extension):
    """An employee's move to another member node of the group."""

    __schema__ = URN(MOBILITY_SCHEMA)

    moved_from: Annotated[Reference[External] | None, Mutability.immutable] = None
    """The person's actor on the node they come from: the new Person's ``alsoKnownAs``."""

    moved_to: Reference[External] | None = None
    """The person's actor on the node they moved to (which names this one in ``movedFrom``):
    setting it moves the account there (ActivityPub ``Move``); fixed once set."""


def _given(resource: Resource[Any]) -> Mobility | None:
    try:
        return resource[Mobility]
    except (KeyError, TypeError):
        return None


def stored_view(account: Account) -> dict | None:
    """The extension's JSON as the account holds it (None when it says nothing)."""
    data = {}
    if account.also_known_as:
        data["movedFrom"] = account.also_known_as[0]
    if account.moved_to:
        data["movedTo"] = account.moved_to
    return data or None


def without_mobility(data: dict) -> dict:
    """``data`` (a User's JSON) without the extension, kept on the account's own fields."""
    data.pop(MOBILITY_SCHEMA, None)
    if isinstance(data.get("schemas"), list):
        data["schemas"] = [s for s in data["schemas"] if s != MOBILITY_SCHEMA]
    return data


def record_origin(account: Account, resource: Resource[Any]) -> None:
    """The actor the person was before becomes the new Person's alias (given at creation, or
    once later: the attribute is immutable, RFC 7643 §7)."""
    given = _given(resource)
    if given is not None and given.moved_from and not account.also_known_as:
        Account.objects(username=account.username).update_one(set__also_known_as=[str(given.moved_from)])


def apply_move(config: Config, account: Account, resource: Resource[Any]) -> None:
    """A ``movedTo`` in the request moves the account (or announces a move not yet
    announced: the directory's retry). A refused move is a SCIM error the directory
    understands; lifecycle.AnnounceError says it is in force but not announced yet."""
    given = _given(resource)
    target = str(given.moved_to) if given is not None and given.moved_to else None
    if target is None:
        if account.moved_to:  # the directory cannot take a move back
            raise InvalidValueException(detail="movedTo is fixed once the account moved")
        return
    from services.identity import mobility  # when used, as scim_backend imports the lifecycle

    try:
        mobility.move(config, account, target, by="scim")
    except mobility.MoveRefused as exc:
        raise InvalidValueException(detail=str(exc)) from None
