"""Media (docs.joinmastodon.org/methods/media/): upload, show and change one's uploads, and
the files themselves at ``/media/...`` (who may load them: services/api/media_access.py;
the URL scheme and its capabilities: services/api/media_urls.py)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from services.api import media_access, media_urls
from services.api.auth import require_scope
from services.api.errors import api_error, not_found
from services.api.media_entities import upload_entity
from services.api.media_processing import MediaRefused
from services.api.params import flat_params

bp = Blueprint("media", __name__)


@bp.app_errorhandler(MediaRefused)
def _refused(exc: MediaRefused):
    return api_error(422, f"Validation failed: {exc}", str(exc))


@bp.post("/api/v1/media")
@bp.post("/api/v2/media")
@require_scope("write:media")
def upload():
    """Kept at once (small files, synchronous processing): 200 with the MediaAttachment and
    its URL, as Mastodon answers an upload that needs no background work."""
    request.max_content_length = media_access.upload_body_limit()
    try:
        sent = request.files.get("file")
        params = request.form.to_dict()
    except RequestEntityTooLarge:
        return api_error(422, "Validation failed: File is too large",
                         f"the limit is {media_access.upload_body_limit() - media_access.UPLOAD_OVERHEAD} bytes")
    if sent is None:
        return api_error(422, "Validation failed: File can't be blank", "send the file as form field 'file'")
    data = sent.stream.read(media_access.upload_body_limit() + 1)
    kept = media_access.keep(g.requester.user, data, description=params.get("description"),
                             focus=params.get("focus"))
    return jsonify(upload_entity(kept))


@bp.get("/api/v1/media/<number>")
@require_scope("write:media")
def show(number: str):
    found = media_access.own_upload(g.requester.user, number)
    return jsonify(upload_entity(found)) if found is not None else not_found("no such media of yours")


@bp.put("/api/v1/media/<number>")
@require_scope("write:media")
def change(number: str):
    """Description and focus of an upload not yet attached (an attached one changes with
    its status, as on Mastodon: 404 here)."""
    found = media_access.own_upload(g.requester.user, number)
    if found is None or found.attached:
        return not_found("no such unattached media of yours")
    return jsonify(upload_entity(media_access.change(found, flat_params())))


def _missing():
    return not_found("no such file")


@bp.get("/media/<number>/<name>")
def local_file(number: str, name: str):
    variant = name.split(".", 1)[0]
    served = media_access.serve_local(request.path, request.args, number, variant)
    return served if served is not None else _missing()


@bp.get(media_urls.REMOTE_PREFIX + "<status_number>/<int:index>")
def remote_file(status_number: str, index: int):
    served = media_access.serve_remote(request.path, request.args, status_number, index)
    return served if served is not None else _missing()
