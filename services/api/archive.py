"""The signed-in user's archive of their data (issue 12, "Personal data": the right of access).

Laid out as Mastodon's archive (docs.joinmastodon.org/user/moving/#export, Mastodon's
``BackupService``) so that tools reading one read this one, ActivityStreams JSON in a zip:

- ``actor.json``: their Person, with the whole profile (directory and declared parts);
- ``outbox.json``: an ``OrderedCollection`` of a ``Create`` for every post they wrote, every
  audience (public, group, node, community, followers-only, direct), newest first; each
  attachment's ``url`` is the file's path inside the archive (as BackupService rewrites it);
- ``media_attachments/<id>.<ext>``: the original of each file attached to those posts;
- ``likes.json``, ``bookmarks.json``: ``OrderedCollection``s of the posts' ids;
- ``following.json``, ``followers.json``: ``OrderedCollection``s of actor ids (Mastodon puts
  follows in a separate CSV export; here they are part of the one archive);
- ``memberships.json``: the communities they belong to (or are invited to), with their role.

Everything is read as the user through the services that own it, exactly as their own app
reads it: the visibility policy decides, so nothing of anyone else's followers-only or direct
posts can enter (only the ids of posts they liked or bookmarked, which they were shown).

Built synchronously and streamed (``entries`` yields one file at a time, ``zip_stream`` writes
the zip as it goes): an employee's own posts and files are bounded, nothing needs the queue,
and no copy of the personal data is left on the node to protect, expire and delete.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator

from fedkit.protocol.vocab import AS_CONTEXT, CREATE, GROUP, as_list, id_of, type_of, with_context
from services.api import communities, communities_upstream, media_access, upstream
from services.api.entities import actor_document
from services.api.media_models import MediaUpload
from services.api.personal_models import Bookmark

PAGE = 40
MEDIA_DIR = "media_attachments"


def _paged(read: Callable[..., list[dict]], key: str) -> Iterator:
    """Every item of a newest-first collection read page by page with ``max_id``."""
    cursor = None
    while True:
        items = read(limit=PAGE, max_id=cursor)
        for item in items:
            yield item[key]
        if len(items) < PAGE:
            return
        cursor = items[-1]["cursor"]


def _collection(name: str, items: list) -> bytes:
    return _json({"@context": AS_CONTEXT, "id": name, "type": "OrderedCollection",
                  "totalItems": len(items), "orderedItems": items})


def _json(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=2).encode()


def _media_name(upload: MediaUpload) -> str:
    return f"{MEDIA_DIR}/{upload.number}.{upload.extension}"


def _create(post: dict, actor: str, files: dict[str, str]) -> dict:
    """The post as its ``Create`` (as an outbox holds it), attachments pointing into the zip."""
    attachments = []
    for attachment in as_list(post.get("attachment")):
        if isinstance(attachment, dict):
            url = id_of(attachment.get("url")) or ""
            number = next((n for n in files if f"/{n}/" in url), None)
            attachment = {**attachment, "url": files[number]} if number else attachment
        attachments.append(attachment)
    if attachments:
        post = {**post, "attachment": attachments}
    return {"id": f"{post['id']}/activity", "type": CREATE, "actor": actor, "published": post.get("published"),
            "to": post.get("to", []), "cc": post.get("cc", []), "object": post}


def _memberships(following: list[str]) -> list[dict]:
    """This node's communities where they have a standing, then the remote ones they follow."""
    found = [{"id": c["id"], "type": GROUP, "name": c.get("name"), "membership": c["membership"],
              "role": c.get("role")} for c in communities_upstream.community_listing() if c.get("membership")]
    known = {m["id"] for m in found}
    for actor in following:
        if actor in known or communities.local_slug(actor):
            continue
        document = actor_document(actor)
        if document is not None and type_of(document) == GROUP:
            found.append({"id": actor, "type": GROUP, "name": document.get("name"), "membership": "member",
                          "role": None})
    return found


def entries(username: str, actor: str) -> Iterator[tuple[str, bytes]]:
    """(path in the zip, content) of every file of the archive, one at a time."""
    person = upstream.local_person(username) or {}
    yield "actor.json", _json(person if "@context" in person else with_context(person))
    posts = list(_paged(lambda **page: upstream.local_posts(author=actor, **page), "object"))
    uploads = list(MediaUpload.objects(owner=username, status_uri__in=[p["id"] for p in posts if "id" in p]))
    files = {u.number: _media_name(u) for u in uploads}
    outbox = [_create(post, actor, files) for post in posts]
    yield "outbox.json", _collection("outbox.json", outbox)
    for upload in uploads:
        data = media_access.store().get(upload.key("original"))
        if data is not None:
            yield files[upload.number], data
    yield "likes.json", _collection("likes.json", list(_paged(upstream.favourites, "object_id")))
    bookmarks = [b.uri for b in Bookmark.objects(user=username).order_by("-number")]
    yield "bookmarks.json", _collection("bookmarks.json", bookmarks)
    following = list(_paged(lambda **page: upstream.follow_page(actor, "following", **page), "actor"))
    yield "following.json", _collection("following.json", following)
    followers = list(_paged(lambda **page: upstream.follow_page(actor, "followers", **page), "actor"))
    yield "followers.json", _collection("followers.json", followers)
    yield "memberships.json", _collection("memberships.json", _memberships(following))


class _Chunks:
    """A write-only, unseekable file for ``zipfile`` whose writes are collected and handed on
    (zipfile then writes each entry's sizes after its data, in a data descriptor)."""

    def __init__(self):
        self.chunks: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def zip_stream(files: Iterator[tuple[str, bytes]]) -> Iterator[bytes]:
    """The zip of ``files``, yielded as it is written."""
    out = _Chunks()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
            yield out.take()
    yield out.take()
