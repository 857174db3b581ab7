"""The dispatch table: one handler per (activity type, object type).

A handler module registers itself with ``@handles(type, object_type=None)``; the
most specific entry wins. Unknown types are stored and acknowledged, never a crash.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from services.inbox.context import HandlerContext

Handler = Callable[[HandlerContext], str]
_TABLE: dict[tuple[str, str | None], Handler] = {}
_LOCK = threading.Lock()
_LOADED = False


def handles(activity_type: str, object_type: str | None = None):
    def register(fn: Handler) -> Handler:
        _TABLE[(activity_type, object_type)] = fn
        return fn

    return register


def handler_for(activity_type: str | None, object_type: str | None) -> Handler | None:
    _load_handlers()
    return _TABLE.get((activity_type, object_type)) or _TABLE.get((activity_type, None))


def _load_handlers() -> None:
    # Under a lock: a worker's threads must never see a half-filled table.
    global _LOADED
    if _LOADED:
        return
    with _LOCK:
        if not _LOADED:
            _import_handlers()
            _LOADED = True


def _import_handlers() -> None:
    from services.inbox.handlers import (  # noqa: F401  (registration by import)
        accept,
        announce,
        create,
        delete,
        flag,
        follow,
        invite,
        like,
        move,
        reject,
        undo,
        update,
    )
