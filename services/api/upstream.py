"""Every call the api service makes to another service of its node, in one place.

The api owns no protocol logic: it reads and writes through identity, inbox and outbox,
each through its declared contract (``fedkit/contracts/``: the paths and a typed client;
real HTTP in the split layout, in-process in the compact one). This module adds what the
api needs on top: a service that does not answer becomes ``Unavailable`` (503).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import requests

from fedkit.contracts.communities import CommunitiesClient
from fedkit.contracts.identity import IdentityClient
from fedkit.contracts.inbox import InboxClient
from fedkit.contracts.outbox import OutboxClient
from fedkit.runtime.internal import internal_client

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """Another service did not answer as its contract says (the api answers 503)."""

    def __init__(self, service: str, detail: str):
        super().__init__(f"the {service} service is not answering ({detail})")
        self.service = service


class BadCursor(ValueError):
    """A paging cursor the node never gave out (the api answers 400)."""


def _page(items: list[dict] | None) -> list[dict]:
    """A page a service answered; None means it refused the cursors (not ids it issued)."""
    if items is None:
        raise BadCursor("max_id, since_id and min_id must be ids from a Link header")
    return items


@contextmanager
def _answering(service: str):
    try:
        yield
    except (requests.RequestException, ValueError, KeyError) as exc:
        log.error("a call to %s failed: %s", service, type(exc).__name__)
        raise Unavailable(service, type(exc).__name__) from None


def _identity() -> IdentityClient:
    return IdentityClient(internal_client())


def _inbox() -> InboxClient:
    return InboxClient(internal_client())


def _outbox() -> OutboxClient:
    return OutboxClient(internal_client())


def _communities() -> CommunitiesClient:
    return CommunitiesClient(internal_client())


# -- identity ------------------------------------------------------------------------------
def local_person(username: str) -> dict | None:
    """A local account's AS2 Person, as identity serves it; None if unknown or closed — but a
    closed one whose posts the group keeps is served, ``suspended`` and ``formerEmployee``."""
    with _answering("identity"):
        return _identity().find_person(username)


def local_persons(usernames: list[str]) -> dict[str, dict]:
    """``local_person`` of each, in one call: {username: document}, without the unknown or closed."""
    with _answering("identity"):
        return _identity().find_persons(usernames)


def accepted_charter(username: str) -> str | None:
    """The version of the usage charter this user last accepted (None: never)."""
    with _answering("identity"):
        return _identity().accepted_charter(username)


def local_account(username: str):
    """Identity's view of a local account (``fedkit.contracts.identity.Account``), or None."""
    with _answering("identity"):
        return _identity().account(username)


def app_of_token(token: str) -> dict | None:
    """The registered app that holds this access token; None for an unknown token."""
    with _answering("identity"):
        return _identity().app_of_token(token)


def node_usage() -> dict:
    """What NodeInfo says of this node (``usage``: users, local posts)."""
    with _answering("identity"):
        return _identity().nodeinfo()


# -- outbox --------------------------------------------------------------------------------
def remote_actor(actor: str) -> dict | None:
    """A remote actor's document (the node's cache, or fetched); None if not to be had."""
    with _answering("outbox"):
        return _outbox().remote_actor(actor)


def known_remote_actor(username: str, host: str) -> dict | None:
    """A remote actor this node already knows by its username and host, or None."""
    with _answering("outbox"):
        return _outbox().known_actor(username, host)


def statuses_count(actor: str) -> int:
    with _answering("outbox"):
        return _outbox().posts_of(actor)


def statuses_counts(actors: list[str]) -> dict[str, int]:
    """``statuses_count`` of each local actor, in one call: {actor: n}."""
    with _answering("outbox"):
        return _outbox().posts_of_each(actors)


# -- inbox ---------------------------------------------------------------------------------
def follow_counts(actor: str) -> dict:
    """{"followers", "following", "follow_requests"} of an actor, as this node knows them."""
    with _answering("inbox"):
        return _inbox().follow_counts(actor)


def follow_counts_of_each(actors: list[str]) -> dict[str, dict]:
    """``follow_counts`` of each actor, in one call: {actor: counts}."""
    with _answering("inbox"):
        return _inbox().follow_counts_of_each(actors)


def follow_page(actor: str, which: str, *, limit: int, max_id: str | None = None,
                since_id: str | None = None, min_id: str | None = None) -> list[dict]:
    """One page of an actor's accepted followers or following, newest first:
    [{"actor": <uri>, "cursor": <opaque id>}]."""
    with _answering("inbox"):
        items = _inbox().follows_page(actor, which, limit=limit, max_id=max_id, since_id=since_id,
                                      min_id=min_id)
    return _page(items)


def relationships(actor: str, others: list[str]) -> dict:
    """{other: {"following": state|None, "followed_by": state|None}} between ``actor``
    and each of ``others`` (state: "accepted" or "pending")."""
    with _answering("inbox"):
        return _inbox().relationships(actor, others)


# -- statuses: each read as the requester (the services ask the visibility policy) ---------
def _reader() -> tuple[str | None, frozenset[str]]:
    from flask import g

    return g.requester.user, g.requester.scopes


def set_follow_notify(follower: str, followee: str, notify: bool) -> None:
    with _answering("inbox"):
        _inbox().set_follow_notify(follower, followee, notify)


def publish(username: str, activity: dict):
    """Publish as the user through the outbox's C2S path (``Published``: status and body)."""
    with _answering("outbox"):
        return _outbox().publish(username, activity)


def local_object(object_id: str) -> tuple[int, dict | None]:
    user, scopes = _reader()
    with _answering("outbox"):
        return _outbox().local_object(object_id, user=user, scopes=scopes)


def received_object(object_id: str) -> tuple[int, dict | None]:
    user, scopes = _reader()
    with _answering("inbox"):
        return _inbox().received_object(object_id, user=user, scopes=scopes)


def replies(object_id: str) -> list[dict]:
    user, scopes = _reader()
    with _answering("inbox"):
        return _inbox().replies(object_id, user=user, scopes=scopes)


def local_posts(*, author: str | None = None, stream: bool = False, exclude_replies: bool = False,
                limit: int, max_id: str | None = None, since_id: str | None = None,
                min_id: str | None = None) -> list[dict]:
    user, scopes = _reader()
    with _answering("outbox"):
        items = _outbox().posts(user=user, scopes=scopes, author=author, stream=stream,
                                exclude_replies=exclude_replies, limit=limit, max_id=max_id,
                                since_id=since_id, min_id=min_id)
    return _page(items)


def home(*, limit: int, max_id: str | None = None, since_id: str | None = None,
         min_id: str | None = None) -> list[dict]:
    user, scopes = _reader()
    with _answering("inbox"):
        items = _inbox().home(user, scopes=scopes, limit=limit, max_id=max_id, since_id=since_id,
                              min_id=min_id)
    return _page(items)


def received_posts(*, author: str | None = None, stream: bool = False, exclude_replies: bool = False,
                   limit: int, max_id: str | None = None, since_id: str | None = None,
                   min_id: str | None = None) -> list[dict]:
    user, scopes = _reader()
    with _answering("inbox"):
        items = _inbox().posts(user=user, scopes=scopes, author=author, stream=stream,
                               exclude_replies=exclude_replies, limit=limit, max_id=max_id,
                               since_id=since_id, min_id=min_id)
    return _page(items)


def interactions(object_id: str) -> dict:
    """{"favourites", "reblogs", "replies", "favourite_id", "reblog_id"} of an object, as the
    requester (``*_id``: the requester's own Like/Announce activity, or None)."""
    user, scopes = _reader()
    with _answering("inbox"):
        return _inbox().interactions(object_id, user=user, scopes=scopes)


def interactions_page(object_ids: list[str]) -> dict[str, dict]:
    """``interactions`` of each of a page's objects, in one call: {id: {…}}."""
    user, scopes = _reader()
    with _answering("inbox"):
        return _inbox().interactions_page(object_ids, user=user, scopes=scopes)


def interaction_actors(object_id: str, kind: str, *, limit: int, max_id: str | None = None,
                       since_id: str | None = None, min_id: str | None = None) -> list[dict]:
    """Who liked or announced an object, newest first: [{"actor", "cursor"}]."""
    with _answering("inbox"):
        items = _inbox().interaction_actors(object_id, kind, limit=limit, max_id=max_id, since_id=since_id,
                                            min_id=min_id)
    return _page(items)


def own_votes(question: str) -> list[str]:
    """The titles of the options the requester voted for in a poll."""
    user, _ = _reader()
    with _answering("inbox"):
        return _inbox().own_votes(user, question)


def earlier_versions(object_id: str, *, local: bool) -> list[dict] | None:
    """An object's versions before its edits, oldest first, from the service that holds it
    (the outbox for this node's posts), as the requester may see them; None if hidden."""
    user, scopes = _reader()
    if local:
        with _answering("outbox"):
            return _outbox().earlier_versions(object_id, user=user, scopes=scopes)
    with _answering("inbox"):
        return _inbox().earlier_versions(object_id, user=user, scopes=scopes)


# -- notifications: a user's own, as the inbox keeps them ------------------------------------
def notifications(*, types: list[str], exclude_types: list[str], limit: int, max_id: str | None = None,
                  since_id: str | None = None, min_id: str | None = None) -> list[dict]:
    user, scopes = _reader()
    with _answering("inbox"):
        items = _inbox().notifications(user, scopes=scopes, types=types, exclude_types=exclude_types,
                                       limit=limit, max_id=max_id, since_id=since_id, min_id=min_id)
    return _page(items)


def notification(number: str) -> dict | None:
    user, scopes = _reader()
    with _answering("inbox"):
        return _inbox().notification(user, number, scopes=scopes)


def dismiss_notification(number: str) -> bool:
    user, scopes = _reader()
    with _answering("inbox"):
        return _inbox().dismiss_notification(user, number, scopes=scopes)


def clear_notifications() -> None:
    user, scopes = _reader()
    with _answering("inbox"):
        _inbox().clear_notifications(user, scopes=scopes)


# -- media: who may load a file is who may see the post that carries it ---------------------
def local_object_for(object_id: str, reader) -> int:
    """The outbox's answer (200, 404, 410) on whether ``reader`` (a ``Requester``: a local
    user, or a verified signer) may see the local object."""
    with _answering("outbox"):
        status, _ = _outbox().local_object(object_id, user=reader.user, scopes=reader.scopes,
                                           signer=reader.signer, viewer=reader.viewer_kind)
    return status


def remote_media(username: str, url: str) -> tuple[int, str, bytes]:
    """A remote attachment fetched signed as the local user: (status, content type, bytes)."""
    with _answering("outbox"):
        return _outbox().remote_media(username, url)


# -- search and hashtags (services/api/search.py, tags.py) ----------------------------------
def search_local_accounts(query: str, limit: int) -> list[str]:
    """Usernames of this node's open accounts that ``query`` names."""
    with _answering("identity"):
        return _identity().search_accounts(query, limit=limit)


def people(params: dict, *, group: bool) -> dict:
    """A page of the people directory as the requester sees it: this node's, or the group's."""
    user, scopes = _reader()
    with _answering("identity"):
        return _identity().people(params, user=user, scopes=scopes, group=group)


def experts(q: str) -> dict:
    """The group's people whose profile matches ``q`` as the requester may see them, with
    what matched (services/identity/experts_listing.py): {"items", "unreachable"}."""
    user, scopes = _reader()
    with _answering("identity"):
        return _identity().experts(q, user=user, scopes=scopes)


def search_known_actors(query: str, limit: int) -> list[dict]:
    """Documents of the remote actors this node knows that ``query`` names."""
    with _answering("outbox"):
        return _outbox().search_actors(query, limit=limit)


def resolve_actor(acct: str | None = None, *, url: str | None = None) -> dict | None:
    """A remote actor found by WebFinger (``user@host``) or by its id or profile page
    (``url``), fetched and cached; or None."""
    with _answering("outbox"):
        return _outbox().resolve_actor(acct, url=url)


def posts_matching(*, q: str = "", any_tags=(), all_tags=(), none_tags=(), author: str | None = None,
                   local: bool = False, limit: int, offset: int = 0, max_id: str | None = None,
                   since_id: str | None = None, min_id: str | None = None) -> list[dict]:
    user, scopes = _reader()
    with _answering("inbox"):
        items = _inbox().posts_matching(user=user, scopes=scopes, q=q, any_tags=any_tags, all_tags=all_tags,
                                        none_tags=none_tags, author=author, local=local, limit=limit,
                                        offset=offset, max_id=max_id, since_id=since_id, min_id=min_id)
    return _page(items)


def tags(prefix: str, limit: int) -> list[dict]:
    user, scopes = _reader()
    with _answering("inbox"):
        return _inbox().tags(prefix, user=user, scopes=scopes, limit=limit)


def resolve_object(url: str, *, fetch: bool) -> dict | None:
    """A remote post by its id or web page, held here or (``fetch``: search ``resolve``)
    fetched from its origin as the requester, if they may see it."""
    user, scopes = _reader()
    with _answering("inbox"):
        return _inbox().resolve_object(url, user=user, scopes=scopes, fetch=fetch) if user else None


def favourites(*, limit: int, max_id: str | None = None, since_id: str | None = None,
               min_id: str | None = None) -> list[dict]:
    """The objects the requester liked, newest like first: [{"object_id", "cursor"}]."""
    user, scopes = _reader()
    with _answering("inbox"):
        items = _inbox().favourites(user, scopes=scopes, limit=limit, max_id=max_id, since_id=since_id,
                                    min_id=min_id)
    return _page(items)
