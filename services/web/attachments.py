"""Images and documents of a new post: the composer's files (a multipart form, so it works
without JavaScript), each uploaded through ``POST /api/v2/media`` with the user's token and
its description (the alternative text), then named in the post's ``media_ids[]``
(docs.joinmastodon.org/methods/media/#v2, /methods/statuses/#create)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from services.web.api_client import ApiClient, ApiError
from services.web.context import API_ID

MAX_FILES = 4  # the API's configuration.statuses.max_media_attachments
DESCRIPTION_LIMIT = 1500  # the API's description_limit
UPLOAD_OVERHEAD = 64 * 1024  # what a multipart body adds around a file
# What the file picker offers (the API checks the bytes themselves).
ACCEPT = ",".join(("image/jpeg", "image/png", "image/gif", "image/webp", ".pdf", ".doc", ".docx", ".xls", ".xlsx",
                   ".ppt", ".pptx", ".odt", ".ods", ".odp"))


class Refused(Exception):
    """A file the post cannot carry; the message says why, for the composer."""


def allow_files(config) -> None:
    """This request (the composer's form) may carry its files: the gateway lets as much
    through for this path (gateway/routes.py ``body_limit``)."""
    request.max_content_length = config.max_body_bytes + MAX_FILES * (config.media_max_bytes + UPLOAD_OVERHEAD)


def chosen_files() -> list:
    """The files of the form (a file input left empty sends a part without a name)."""
    return [f for f in request.files.getlist("media") if f and f.filename]


def kept_ids() -> list[str]:
    """Uploads of an earlier try of this form (the composer keeps them when a post is refused)."""
    return [v for v in request.form.getlist("media_id") if API_ID.fullmatch(v)][:MAX_FILES]


def upload(client: ApiClient, files: list, descriptions: list[str]) -> list[str]:
    """Each file uploaded with the description in the same place; their ids, in order."""
    ids = []
    for index, sent in enumerate(files):
        description = (descriptions[index] if index < len(descriptions) else "").strip()[:DESCRIPTION_LIMIT]
        data = {"description": description} if description else {}
        try:
            answer = client.call("POST", "/api/v2/media", data=data, ok=(200, 202),
                                 files={"file": (sent.filename, sent.stream, sent.mimetype)})
        except ApiError as exc:
            if exc.status in (413, 422):  # too large, or not a type a post may carry
                raise Refused(_("%(name)s: %(reason)s", name=sent.filename,
                                reason=exc.body.get("error_description") or exc.args[0])) from None
            raise
        ids.append(str(answer.body["id"]))
    return ids


def check_count(files: list, kept: list[str]) -> None:
    if len(files) + len(kept) > MAX_FILES:
        raise Refused(_("A post carries at most 4 files."))
