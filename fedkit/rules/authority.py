"""Who may delete, edit or relay an object: one rule for the inbox, the outbox and the
communities service. Pure functions; the caller brings the facts (who wrote the object,
whom it was addressed to) and a way to ask whether an actor is a Group.

Being addressed by a post gives no power over it: a mentioned, replied-to or messaged
account is an addressee like any other. Only these may change it:
- its author — the same actor, and the object on the author's own server (Mastodon
  applies a Delete or Update only from the object's owner, and an id on another host
  is not the author's to speak for);
- the community (FEP-1b12 Group actor) it was addressed to, which removes it on behalf of
  its moderators. FEP-1b12 "Audience property": a post belongs to a Group named in its
  ``to``/``audience`` (Lemmy, Friendica) or, from Mastodon, among the mentions in ``cc``;
  the actor must *be* a Group (its document's type), or any mentioned Person would do.

A Group relays (FEP-1b12 "The Announce activity": it wraps its members' activities in an
Announce) only activities of the object's own author, about a post addressed to it.
A Group's moderators act through the Group itself here (its own Delete); a Lemmy-style
``Announce(Delete)`` by a moderator is not taken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

AUTHOR = "author"
COMMUNITY = "community"


def same_origin(a: str | None, b: str | None) -> bool:
    return bool(a and b) and urlsplit(a).netloc.lower() == urlsplit(b).netloc.lower()


def is_author(actor: str | None, author: str | None, object_id: str | None) -> bool:
    """``actor`` wrote the object, and the object lives on the actor's own server."""
    return bool(actor) and actor == author and same_origin(object_id, actor)


def may_delete(actor: str | None, *, author: str | None, object_id: str | None,
               addressees: Iterable[str], is_group: Callable[[str], bool]) -> str | None:
    """AUTHOR, COMMUNITY (a Group the object was addressed to), or None: not theirs to delete.
    ``is_group`` is asked last, and only about an addressee (it may fetch a document)."""
    if is_author(actor, author, object_id):
        return AUTHOR
    if actor and actor in addressees and is_group(actor):
        return COMMUNITY
    return None


def may_update(actor: str | None, *, author: str | None, object_id: str | None,
               new_author: str | None) -> bool:
    """Only the author edits, and an edit never changes who wrote the object."""
    return is_author(actor, author, object_id) and new_author == author


def may_relay(relayer: str | None, *, inner_actor: str | None, author: str | None,
              object_id: str | None, addressees: Iterable[str], is_group: Callable[[str], bool]) -> bool:
    """May ``relayer`` relay ``inner_actor``'s activity about an object by ``author``,
    addressed to ``addressees``? (For a Delete, pass the author and addressees of the copy
    already held, never what the relayed activity claims.)"""
    return is_author(inner_actor, author, object_id) and bool(relayer) and relayer in addressees \
        and is_group(relayer)


def may_erase_actor(actor: str | None, deleted: str | None, *, is_member_instance: Callable[[str], bool]) -> bool:
    """May ``actor``'s Delete whose object is the actor ``deleted`` remove it (its follows, and
    what it wrote become Tombstones)? The actor itself (Mastodon's account deletion), or the
    instance actor of the member node it lives on: a node erases its own accounts, and its
    instance actor is heard even when the group already refuses the closed account's own key
    (services/identity/erasure.py). ``is_member_instance``: is this a member node's instance actor?"""
    if not actor or not deleted:
        return False
    return actor == deleted or (same_origin(actor, deleted) and is_member_instance(actor))
