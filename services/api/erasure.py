"""The api's share of an erasure (fedkit/contracts/erasure.py, services/identity/erasure.py):
the person's uploaded files (original and preview, from the media store) and their records,
bookmarks, timeline markers and posting defaults. Idempotent: a file already gone is
nothing to delete. (Archives are streamed as they are built, never kept: nothing to erase.)"""

from __future__ import annotations

from services.api.media_access import store
from services.api.media_models import MediaUpload
from services.api.personal_models import Bookmark, Marker
from services.api.user_preferences import PostingDefaults

VARIANTS = ("original", "small")


def erase_share(username: str) -> dict:
    files = store()
    uploads = list(MediaUpload.objects(owner=username))
    for upload in uploads:
        for variant in VARIANTS:
            files.delete(upload.key(variant))
        upload.delete()  # after its files: a run stopped between them finds the record again
    return {"media": len(uploads), "bookmarks": Bookmark.objects(user=username).delete(),
            "markers": Marker.objects(user=username).delete(),
            "posting_defaults": PostingDefaults.objects(user=username).delete()}
