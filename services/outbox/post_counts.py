"""A local actor's number of posts (Mastodon's ``statuses_count``), kept on write.

A post stored adds one, a post deleted (once) takes one away; both are ``$inc`` on an
existing counter only. A counter missing (posts written before counters were kept, or
seeded directly) is rebuilt from the posts on first read, with ``$setOnInsert`` so it
never overwrites one another process has just made.
"""

from __future__ import annotations

from services.outbox.models import LocalObject, PostCount


def added(author: str) -> None:
    PostCount.objects(author=author).update_one(inc__posts=1)


def removed(author: str) -> None:
    PostCount.objects(author=author).update_one(inc__posts=-1)


def posts_of(author: str) -> int:
    found = PostCount.objects(author=author).first()
    if found is not None:
        return found.posts
    counted = LocalObject.objects(author=author, deleted=False).count()
    PostCount.objects(author=author).update_one(upsert=True, set_on_insert__posts=counted)
    return PostCount.objects(author=author).first().posts


def posts_of_each(authors: list[str]) -> dict[str, int]:
    """``posts_of`` of each author, the counters that exist read in one query."""
    known = {found.author: found.posts for found in PostCount.objects(author__in=list(authors))}
    return {author: known[author] if author in known else posts_of(author) for author in authors}
