"""``GET /api/archipel/archive``: the signed-in user's archive of their data, a zip streamed as
it is built (services/api/archive.py says what is in it and why it is not a queued job).

It holds everything the account can read of its own, so the token needs the whole ``read``
scope (a token limited to ``read:statuses`` gets 403); only the account's owner can ask for
it: there is no id in the path, the archive is always the requester's own.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, stream_with_context

from fedkit.runtime import clock
from services.api.archive import entries, zip_stream
from services.api.auth import require_scope
from services.api.entities import me

bp = Blueprint("archive", __name__)

PATH = "/api/archipel/archive"


@bp.get(PATH)
@require_scope("read")
def download():
    username = g.requester.user
    name = f"archipel-{username}-{clock.now().strftime('%Y%m%d%H%M%S')}.zip"
    resp = Response(stream_with_context(zip_stream(entries(username, me()))), mimetype="application/zip")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp
