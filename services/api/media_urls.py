"""The URLs of media files, and the capabilities that let apps load them.

Who may load a file is who may see the post that carries it (an unattached upload: its
owner only), and every refusal is the 404 of a missing file. The checks happen where the
file is served (services/api/media_access.py); what this module solves is that apps load
image URLs with a plain GET — no bearer token, no cookie, no signature — so the server
would not know who asks. Hence two kinds of URL:

- **plain** ``/media/<id>/<variant>.<ext>``: what the post's ActivityPub ``attachment``
  carries and what the API shows for public and unlisted posts. It is served to whoever
  the request proves to be (anonymous, a bearer token, a remote server's signed GET), if
  they may see the post: a public post's file to anyone; a followers-only post's file to
  a follower's node signing as the follower.
- **with a capability** ``...?v=<username>&e=<expiry>&s=<hmac>``: what the API shows a
  signed-in user for any other post and for their own unattached uploads. The HMAC
  (SHA-256, a key derived from the node's internal secret) binds the path (so the media
  and the variant) to the user and an expiry. It says "this is alice asking", not "this
  may be shown": the server checks again, as alice, that she may still see the post (so
  an unfollow or a deletion takes effect at once), and a leaked URL lasts at most
  ``ARCHIPEL_MEDIA_URL_SECONDS`` and shows only what alice may see. The expiry is rounded
  up to a quarter of that time, so a URL stays the same for a while and apps' image
  caches hit. A tampered, expired or foreign capability is answered like a missing file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from fedkit.runtime.config import Config

PREFIX = "/media/"
REMOTE_PREFIX = "/media/remote/"  # a remote post's attachment, fetched for the reader


def _key(config: Config) -> bytes:
    return hmac.new(config.internal_secret.encode(), b"archipel media capability v1", hashlib.sha256).digest()


def _mac(config: Config, path: str, viewer: str, expiry: int) -> str:
    message = f"{path}\n{viewer}\n{expiry}".encode()
    digest = hmac.new(_key(config), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def file_path(number: str, variant: str, extension: str) -> str:
    return f"{PREFIX}{number}/{variant}.{extension}"


def remote_path(status_number: str, index: int) -> str:
    return f"{REMOTE_PREFIX}{status_number}/{index}"


def with_capability(config: Config, path: str, viewer: str, now: float | None = None) -> str:
    """``path`` with a capability for the local user ``viewer`` (absolute URL)."""
    ttl = max(60, config.media_url_seconds)
    step = max(60, ttl // 4)
    now = time.time() if now is None else now
    expiry = (int(now) // step + 1) * step + ttl
    return f"{config.base_url}{path}?v={viewer}&e={expiry}&s={_mac(config, path, viewer, expiry)}"


def plain(config: Config, path: str) -> str:
    return config.base_url + path


def capability_viewer(config: Config, path: str, args, now: float | None = None) -> str | None:
    """The local user a valid, unexpired capability names; None for none or a bad one."""
    viewer, expiry, mac = args.get("v", ""), args.get("e", ""), args.get("s", "")
    if not viewer or not expiry.isascii() or not expiry.isdigit() or len(expiry) > 12:
        return None
    if int(expiry) < (time.time() if now is None else now):
        return None
    if not hmac.compare_digest(mac.encode(), _mac(config, path, viewer, int(expiry)).encode()):
        return None
    return viewer


def has_capability(args) -> bool:
    return any(name in args for name in ("v", "e", "s"))
