"""Where the bytes of uploaded files live: a small interface, so that a store is a swap.

The demo and the tests keep files on the node's disk (``ARCHIPEL_MEDIA_DIR``, by default
``var/media/<node>``; the launcher puts it under its data folder), as DESIGN.md's table
says; production puts them in an S3-compatible object store, by another class with the
same three methods (``put``/``get``/``delete`` on a key map to PutObject/GetObject/
DeleteObject). Metadata (owner, type, sizes, the post that carries a file) is in MongoDB
(``services/api/media_models.py``), never in the store.

Why files and not GridFS: the embedded SecantusDB holds test databases in memory, and
media would then count against every test's memory; files on disk are what the demo's
table promises and the closest to an object store's semantics (whole objects by key).
Only the api service reads and writes the store (uploads and serving both go through it),
so one volume per api process group, or the object store, is all a deployment needs.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from fedkit.runtime.config import Config

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}(/[A-Za-z0-9][A-Za-z0-9._-]{0,127}){0,3}$")


class MediaStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...


class DiskStore:
    """Files under one folder; a key is a relative path made only of safe segments."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key) or ".." in key:
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def store_for(config: Config) -> MediaStore:
    return DiskStore(config.media_root)
