"""The one check of the usage charter on the write paths: until a user has accepted the
charter in force (charter.py), their writes are refused — through the client API
(services/api/charter_guard.py) and through ActivityPub client-to-server posting
(services/outbox/web.py) alike, with the same 403 and the same words.

Cheap on the write path: the charter's version comes from the configured files (a stat
each); identity is asked (``accepted_version``, a call of its contract) only for a user
whose acceptance of that version this process has not seen in the last ``CACHE_SECONDS``.
Only an acceptance is remembered, so a new version, or a user who just accepted, takes
effect on the next request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fedkit.contracts.identity import CHARTER, CHARTER_ACCEPT
from fedkit.rules.charter import current_charter
from fedkit.runtime.config import Config

CACHE_SECONDS = 30.0
WEB_PAGE = "/web/charter"  # services/web/charter_pages.py
CODE = "charter_not_accepted"
MESSAGE = ("You must accept the usage charter before writing: read it at {web} or GET {read}, "
           "then accept it there or with POST {accept} {{\"version\": \"{version}\"}}")

_accepted: dict[str, tuple[float, str]] = {}  # username -> (remembered until, version accepted)
_lock = threading.Lock()


@dataclass(frozen=True)
class Refusal:
    """Why a write is refused (answered 403): the version to accept, and where."""

    version: str
    message: str


def has_accepted(username: str, version: str, accepted_version: Callable[[str], str | None]) -> bool:
    with _lock:
        until, seen = _accepted.get(username, (0.0, ""))
    if seen == version and until > time.monotonic():
        return True
    if accepted_version(username) != version:
        return False
    with _lock:
        _accepted[username] = (time.monotonic() + CACHE_SECONDS, version)
    return True


def refusal(config: Config, username: str, accepted_version: Callable[[str], str | None]) -> Refusal | None:
    """None when ``username`` may write now; else why not. Raises CharterError when a
    configured charter file cannot be read (the caller answers 503)."""
    version = current_charter(config).version
    if version is None or has_accepted(username, version, accepted_version):
        return None
    return Refusal(version, MESSAGE.format(web=config.base_url + WEB_PAGE, read=CHARTER, accept=CHARTER_ACCEPT,
                                           version=version))
