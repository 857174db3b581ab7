"""The client API's door to communities (services/api/upstream.py's section for them, kept
apart so each module reads in one sitting): a local community as the requester sees it
(the communities service), and a community of another node as this node received it (the
inbox)."""

from __future__ import annotations

from services.api.upstream import _answering, _communities, _inbox, _outbox, _page, _reader


def community(slug: str) -> dict | None:
    """{"document", "members", "posts", "membership", "role", "may_post"} of a local
    community the requester may see (fedkit.contracts.communities); None otherwise."""
    user, scopes = _reader()
    with _answering("communities"):
        return _communities().account(slug, user=user, scopes=scopes)


def community_listing() -> list[dict]:
    """This node's communities the requester sees, with their membership and role."""
    user, scopes = _reader()
    with _answering("communities"):
        return _communities().listing(user=user, scopes=scopes)


def community_relays(slug: str, *, limit: int, max_id: str | None = None, since_id: str | None = None,
                     min_id: str | None = None) -> list[dict]:
    """A local community's relays the requester may see, newest first: [{"activity", "cursor"}]."""
    user, scopes = _reader()
    with _answering("communities"):
        items = _communities().relays(slug, user=user, scopes=scopes, limit=limit, max_id=max_id,
                                      since_id=since_id, min_id=min_id)
    return _page(items)


def received_relays(group: str, *, limit: int, max_id: str | None = None, since_id: str | None = None,
                    min_id: str | None = None) -> list[dict]:
    """A community of another node: the relays this node received from its Group, and what
    this node's people sent to it, that the requester may see, newest first: [{"activity",
    "cursor"}]."""
    user, scopes = _reader()
    with _answering("inbox"):
        items = _inbox().relays(group, user=user, scopes=scopes, limit=limit, max_id=max_id, since_id=since_id,
                                min_id=min_id)
    return _page(items)


def community_members(slug: str, *, limit: int, max_id: str | None = None, since_id: str | None = None,
                      min_id: str | None = None) -> list[dict]:
    """A local community's members, newest first: [{"actor", "cursor"}] ([] when hidden)."""
    user, scopes = _reader()
    with _answering("communities"):
        items = _communities().members(slug, user=user, scopes=scopes, limit=limit, max_id=max_id,
                                       since_id=since_id, min_id=min_id)
    return _page(items)


def remote_document(url: str) -> dict | None:
    """A document of another node fetched as the requester (their node's proxyUrl), e.g. a
    Group's moderators collection; None when they may not have it or it does not answer."""
    user, scopes = _reader()
    with _answering("outbox"):
        return _outbox().fetch_as(url, user=user, scopes=scopes) if user else None
