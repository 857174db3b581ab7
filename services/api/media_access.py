"""Media use cases: keep an upload, change its description and focus, and serve a file to
whoever may see the post that carries it (services/api/media_urls.py says how a request
proves who asks, and why a URL may carry a capability).

Who may load a file:
- an unattached upload (``status_uri`` None or pending): its owner only;
- an attached one: whoever the outbox says may see the carrying post, asked exactly as for
  ``GET /objects/<id>`` (fedkit/rules/policy.py decides: public, group, node, followers,
  addressees, communities) — the reader being the capability's user, else the request's
  bearer user, else a remote server's verified signer (a follower's node fetching with a
  signature as the follower), else anonymous;
- a remote post's attachment (``/media/remote/<status id>/<n>``): fetched from its origin
  with a GET signed as the reader, once this node agrees the reader may see the post; the
  origin checks again. Only what the bytes show to be an image or a document is relayed.
Every refusal is the same 404 as a missing file.
"""

from __future__ import annotations

from flask import Response, current_app, g

from fedkit.protocol.vocab import as_list
from fedkit.runtime.internal import Requester
from services.api import ids, media_urls, upstream
from services.api.entities import visible_object
from services.api.media_entities import attachment_url
from services.api.media_models import MediaUpload
from services.api.media_processing import (
    DOCUMENT_TYPES,
    IMAGE_TYPES,
    MediaRefused,
    content_type,
    process,
)
from services.api.media_storage import MediaStore, store_for

DESCRIPTION_LIMIT = 1500  # characters, as Mastodon (announced in /api/v2/instance)
UPLOAD_OVERHEAD = 64 * 1024  # what a multipart body adds around the file


def _config():
    return current_app.config["ARCHIPEL"]


def store() -> MediaStore:
    found = current_app.extensions.get("archipel_media_store")
    if found is None:
        found = current_app.extensions["archipel_media_store"] = store_for(_config())
    return found


def upload_body_limit() -> int:
    return _config().media_max_bytes + UPLOAD_OVERHEAD


# -- keeping and changing ----------------------------------------------------------------------
def checked_description(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MediaRefused("Description must be text")
    if len(value) > DESCRIPTION_LIMIT:
        raise MediaRefused(f"Description is too long (at most {DESCRIPTION_LIMIT} characters)")
    return value.strip()


def checked_focus(value) -> tuple[float, float]:
    """Mastodon's ``focus``: "x,y", each from -1.0 to 1.0 (docs.joinmastodon.org/api/guidelines/
    #focal-points)."""
    try:
        x, y = (float(part) for part in str(value).split(","))
    except ValueError:
        raise MediaRefused("Focus must be two numbers, x,y, from -1.0 to 1.0") from None
    if not (-1.0 <= x <= 1.0 and -1.0 <= y <= 1.0):
        raise MediaRefused("Focus must be two numbers, x,y, from -1.0 to 1.0")
    return x, y


def keep(owner: str, data: bytes, *, description=None, focus=None) -> MediaUpload:
    """Process and keep an upload for its owner, or ``MediaRefused``."""
    text = checked_description(description)
    focal = checked_focus(focus) if focus not in (None, "") else (0.0, 0.0)
    processed = process(data, max_bytes=_config().media_max_bytes)
    upload = MediaUpload(number=ids.new_number(), owner=owner, kind=processed.kind,
                         mime=processed.original.mime, extension=processed.original.extension,
                         small_mime=processed.small.mime if processed.small else None,
                         size=len(processed.original.data), blurhash=processed.blurhash,
                         dimensions={k: v for k, v in processed.meta.items() if k != "focus"},
                         description=text, focus_x=focal[0], focus_y=focal[1])
    store().put(upload.key("original"), processed.original.data, processed.original.mime)
    if processed.small is not None:
        store().put(upload.key("small"), processed.small.data, processed.small.mime)
    upload.save(force_insert=True)
    return upload


def own_upload(owner: str, number: str) -> MediaUpload | None:
    if not (number.isascii() and number.isdigit() and len(number) <= 20):
        return None
    return MediaUpload.objects(number=number, owner=owner).first()


def change(upload: MediaUpload, params: dict) -> MediaUpload:
    if "description" in params:
        upload.description = checked_description(params["description"])
    if params.get("focus") not in (None, ""):
        upload.focus_x, upload.focus_y = checked_focus(params["focus"])
    upload.save()
    return upload


# -- serving -----------------------------------------------------------------------------------
def _reader(path: str, args) -> Requester | None:
    """Who asks: the capability's user, else the request's own identity; None when a
    capability is there but not valid (tampered, expired, another path)."""
    if not media_urls.has_capability(args):
        return g.requester
    viewer = media_urls.capability_viewer(_config(), path, args)
    if viewer is None:
        return None
    return Requester(signer=None, user=viewer, scopes=frozenset({"read:statuses"}), viewer_kind="local")


def may_load(upload: MediaUpload, reader: Requester) -> bool:
    if not upload.attached:
        return bool(reader.user) and reader.user == upload.owner
    return upstream.local_object_for(upload.status_uri, reader) == 200


def _file(data: bytes, mime: str, *, name: str, public: bool) -> Response:
    resp = Response(data, mimetype=mime)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "public, max-age=600" if public else "private, max-age=600"
    if not mime.startswith("image/"):  # documents are downloaded, never rendered on this origin
        resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


def serve_local(path: str, args, number: str, variant: str) -> Response | None:
    """The file at ``path`` for who asks, or None (the caller answers 404)."""
    upload = MediaUpload.objects(number=number).first() if number.isdigit() and len(number) <= 20 else None
    reader = _reader(path, args)
    if upload is None or reader is None or variant not in ("original", "small"):
        return None
    if variant == "small" and not upload.small_mime:
        return None
    if not may_load(upload, reader):
        return None
    data = store().get(upload.key(variant))
    if data is None:
        return None
    mime = upload.mime if variant == "original" else upload.small_mime
    return _file(data, mime, name=f"{upload.number}.{upload.extension}",
                 public=not reader.user and not reader.signer)


def serve_remote(path: str, args, status_number: str, index: int) -> Response | None:
    """A remote post's attachment, fetched as the reader (a local user) from its origin."""
    reader = _reader(path, args)
    if reader is None or not reader.user:
        return None
    g.requester = reader  # the post is read as this reader (services/api/upstream.py)
    uri = ids.uri_of_status(status_number)
    obj = visible_object(uri) if uri else None
    items = as_list(obj.get("attachment")) if obj else []  # indexed as media_entities.attachments
    url = attachment_url(items[index]) if index < len(items) else None
    if url is None:
        return None
    status, _declared, data = upstream.remote_media(reader.user, url)
    mime = content_type(data) if status == 200 else None
    if mime not in IMAGE_TYPES and mime not in DOCUMENT_TYPES:  # never relay HTML or scripts
        return None
    return _file(data, mime, name=f"{status_number}-{index}", public=False)
