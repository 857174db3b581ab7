"""The inbox service's hashtag contract: the tags a local user follows and the group's
trending tags (services/inbox/tags_api.py). Kept apart from fedkit/contracts/inbox.py;
same service, same transport.

A tag's history as these endpoints give it is Mastodon's: [{"day", "uses", "accounts"}],
one entry per day, newest first, all strings (services/inbox/trends.py).
"""

from __future__ import annotations

from fedkit.contracts import Transport, as_reader, get_page, path_of

SERVICE = "inbox"

# GET ?limit=&max_id=&since_id=&min_id=: the tags a local user follows, most recent first,
# {"items": [{"name", "cursor"}]} (a 400 for a cursor it never gave out).
FOLLOWED_TAGS = "/internal/users/<username>/followed-tags"
# PUT: follow the (normalized) tag; DELETE: unfollow it. Both answer {"following"}.
FOLLOWED_TAG = "/internal/users/<username>/followed-tags/<name>"
# Read as the requester (fedkit.contracts.as_reader), from the posts they may see:
TAG = "/internal/tags/<name>"  # GET: {"name", "history", "following"} (following: the reader's)
TRENDS = "/internal/tags/trending"  # GET ?limit=&offset=: {"items": [{"name", "history"}]}


class TagsClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def followed(self, username: str, *, limit: int, max_id: str | None = None, since_id: str | None = None,
                 min_id: str | None = None) -> list[dict] | None:
        """[{"name", "cursor"}]; None when a cursor is not one the inbox gave out."""
        params = {"limit": limit, "max_id": max_id, "since_id": since_id, "min_id": min_id}
        return get_page(self.transport, SERVICE, path_of(FOLLOWED_TAGS, username=username), params)

    def set_following(self, username: str, name: str, following: bool) -> bool:
        resp = self.transport.request("PUT" if following else "DELETE", SERVICE,
                                      path_of(FOLLOWED_TAG, username=username, name=name))
        resp.raise_for_status()
        return bool(resp.json()["following"])

    def tag(self, name: str, *, user: str | None, scopes=()) -> dict:
        """{"name", "history", "following"} of a normalized tag name, as this reader sees it."""
        return self.transport.get_json(SERVICE, path_of(TAG, name=name), headers=as_reader(user, scopes))

    def trending(self, *, user: str | None, scopes=(), limit: int = 10, offset: int = 0) -> list[dict]:
        """The group's trending tags as this reader may see them: [{"name", "history"}]."""
        return get_page(self.transport, SERVICE, TRENDS, {"limit": limit, "offset": offset},
                        headers=as_reader(user, scopes)) or []
