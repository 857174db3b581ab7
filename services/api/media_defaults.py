"""The images an account without its own avatar or header shows, at the paths Mastodon
serves its defaults from: apps load every avatar URL, and a 404 there shows as broken."""

from __future__ import annotations

from flask import Blueprint, Response

bp = Blueprint("media_defaults", __name__)

# A 1x1 PNG in a neutral grey (apps scale it to the avatar's frame).
GREY_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478da63"
    "3872fa0a0004ba02649a9187cd0000000049454e44ae426082")


@bp.get("/<any(avatars, headers):kind>/original/missing.png")
def missing(kind: str):
    resp = Response(GREY_PIXEL, mimetype="image/png")
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp
