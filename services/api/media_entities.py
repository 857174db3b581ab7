"""Media as apps and servers see it: the MediaAttachment entity
(docs.joinmastodon.org/entities/MediaAttachment/) and the AS2 ``attachment`` item a post
carries, as Mastodon federates it (a ``Document`` with ``url``, ``mediaType``, ``name`` =
the description, and Mastodon's ``toot:blurhash`` and ``toot:focalPoint``, plus ``width``
and ``height``; ActivityPub::NoteSerializer / MediaAttachmentSerializer).

URLs follow services/api/media_urls.py: plain for public and unlisted posts, with a
capability for the signed-in reader otherwise; a remote post's file that is not public is
shown through this node (``/media/remote/...``), which fetches it signed as the reader.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import current_app, g

from fedkit.protocol.vocab import as_list, id_of, type_of
from services.api import media_urls
from services.api.media_models import MediaUpload

OPEN_VISIBILITIES = ("public", "unlisted")  # converter.PUBLIC, converter.UNLISTED
DOCUMENT = "Document"


def _config():
    return current_app.config["ARCHIPEL"]


def _url(path: str, *, open_to_all: bool) -> str:
    viewer = getattr(g, "requester", None)
    user = viewer.user if viewer is not None else None
    if open_to_all or not user:
        return media_urls.plain(_config(), path)
    return media_urls.with_capability(_config(), path, user)


def _focus(x: float, y: float) -> dict:
    return {"x": round(x, 2), "y": round(y, 2)}


def upload_entity(upload: MediaUpload, *, open_to_all: bool = False) -> dict:
    """The MediaAttachment entity of one of this node's uploads."""
    original = media_urls.file_path(upload.number, "original", upload.extension)
    small = media_urls.file_path(upload.number, "small", "jpg" if upload.small_mime == "image/jpeg" else "png")
    meta = dict(upload.dimensions or {})
    if upload.kind == "image":
        meta["focus"] = _focus(upload.focus_x, upload.focus_y)
    return {
        "id": upload.number,
        "type": upload.kind,
        "url": _url(original, open_to_all=open_to_all),
        "preview_url": _url(small, open_to_all=open_to_all) if upload.small_mime else None,
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": upload.description or None,
        "blurhash": upload.blurhash,
    }


def as2_attachment(upload: MediaUpload) -> dict:
    """The AS2 item the post carries (always the plain URL: the serving side checks who asks)."""
    item = {"type": DOCUMENT, "mediaType": upload.mime,
            "url": media_urls.plain(_config(), media_urls.file_path(upload.number, "original", upload.extension))}
    if upload.description:
        item["name"] = upload.description
    if upload.kind == "image":
        item["blurhash"] = upload.blurhash
        item["focalPoint"] = [round(upload.focus_x, 2), round(upload.focus_y, 2)]
        original = (upload.dimensions or {}).get("original") or {}
        if original:
            item.update(width=original["width"], height=original["height"])
    return item


def _local_number(url: str) -> str | None:
    """The upload id in one of this node's plain media URLs, or None."""
    base = _config().base_url
    if not url.startswith(base + media_urls.PREFIX) or url.startswith(base + media_urls.REMOTE_PREFIX):
        return None
    parts = urlsplit(url).path[len(media_urls.PREFIX):].split("/")
    return parts[0] if len(parts) == 2 and parts[0].isdigit() and len(parts[0]) <= 20 else None


def attachment_url(item) -> str | None:
    """The http(s) URL of an AS2 attachment: ``url`` as a string (Mastodon), a Link
    (``href``) or a list of them (the first usable one)."""
    if not isinstance(item, dict):
        return None
    value = item.get("url")
    for candidate in value if isinstance(value, list) else [value]:
        if isinstance(candidate, dict):
            candidate = candidate.get("href")
        if isinstance(candidate, str) and candidate.startswith(("https://", "http://")):
            return candidate
    return None


def _kind(media_type: str) -> str:
    head = media_type.split("/", 1)[0]
    return {"image": "image", "video": "video", "audio": "audio"}.get(head, "unknown")


def _remote_entity(item: dict, url: str, index: int, status_number: str, open_to_all: bool) -> dict:
    media_type = item.get("mediaType") if isinstance(item.get("mediaType"), str) else ""
    kind = _kind(media_type) if media_type else ("image" if type_of(item) == "Image" else "unknown")
    shown = url if open_to_all else _url(media_urls.remote_path(status_number, index), open_to_all=False)
    meta: dict = {}
    width, height = item.get("width"), item.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        meta["original"] = {"width": width, "height": height, "size": f"{width}x{height}",
                            "aspect": round(width / height, 6)}
    focal = item.get("focalPoint")
    if isinstance(focal, list) and len(focal) == 2 and all(isinstance(v, int | float) for v in focal):
        meta["focus"] = _focus(float(focal[0]), float(focal[1]))
    name, hash_ = item.get("name"), item.get("blurhash")
    return {
        # A stable id from the URL: remote files are not kept here, so nothing allocates one.
        "id": str(int(hashlib.sha256(url.encode()).hexdigest()[:15], 16)),
        "type": kind,
        "url": shown,
        "preview_url": shown if kind == "image" else None,
        "remote_url": url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": name if isinstance(name, str) and name else None,
        "blurhash": hash_ if isinstance(hash_, str) and len(hash_) <= 100 else None,
    }


def attachments(obj: dict, status_number: str, visibility: str) -> list[dict]:
    """The ``media_attachments`` of a status: this node's uploads the post carries, and a
    remote post's attachments (the converter's hook, services/api/entities.py)."""
    open_to_all = visibility in OPEN_VISIBILITIES
    out = []
    for index, item in enumerate(as_list(obj.get("attachment"))):
        url = attachment_url(item)
        if url is None or type_of(item) == "PropertyValue":
            continue
        number = _local_number(url)
        if number is not None:
            upload = MediaUpload.objects(number=number).first()
            if upload is not None and upload.status_uri == id_of(obj):
                out.append(upload_entity(upload, open_to_all=open_to_all))
            continue
        out.append(_remote_entity(item, url, index, status_number, open_to_all))
    return out[:16]
