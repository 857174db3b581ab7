"""The api's calls about hashtags, beside upstream.py (kept apart so that module stays
short): followed tags and trends, held by the inbox (fedkit/contracts/tags.py); a service
that does not answer becomes ``Unavailable`` (503) as in upstream.py."""

from __future__ import annotations

from fedkit.contracts.tags import TagsClient
from fedkit.runtime.internal import internal_client
from services.api.upstream import _answering, _page, _reader


def _tags() -> TagsClient:
    return TagsClient(internal_client())


def tag(name: str) -> dict:
    """{"name", "history", "following"} of a normalized name, as the requester sees it."""
    user, scopes = _reader()
    with _answering("inbox"):
        return _tags().tag(name, user=user, scopes=scopes)


def set_following(username: str, name: str, following: bool) -> bool:
    with _answering("inbox"):
        return _tags().set_following(username, name, following)


def followed(username: str, *, limit: int, max_id: str | None = None, since_id: str | None = None,
             min_id: str | None = None) -> list[dict]:
    with _answering("inbox"):
        items = _tags().followed(username, limit=limit, max_id=max_id, since_id=since_id, min_id=min_id)
    return _page(items)


def trending(*, limit: int, offset: int) -> list[dict]:
    user, scopes = _reader()
    with _answering("inbox"):
        return _tags().trending(user=user, scopes=scopes, limit=limit, offset=offset)
