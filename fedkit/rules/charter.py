"""The usage charter every employee accepts before writing (issue 12), and the privacy
notice shown with it.

The group's charter is a Markdown file the group registry names (``"charter"``, the same
on every member node); a node may add its own (``ARCHIPEL_CHARTER_ADDITIONS``). Its
version is a digest of both texts: any change to either is a new version, which every
employee accepts again. No file configured: no charter, nothing to accept.

Identity records who accepted which version (services/identity/charter_acceptance.py);
the api and ActivityPub C2S posting refuse writes until the current one is (charter_gate.py); the web
app shows it (services/web/charter_pages.py). Files are read again when they change.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt

from fedkit.protocol.sanitize import sanitize_document_html
from fedkit.rules.registry import load_registry
from fedkit.runtime.config import Config

VERSION_LENGTH = 16  # hex digits of the SHA-256 of the texts


class CharterError(RuntimeError):
    """A configured charter file cannot be read."""


@dataclass(frozen=True)
class Charter:
    group_text: str = ""
    additions_text: str = ""

    @property
    def required(self) -> bool:
        return bool(self.group_text.strip() or self.additions_text.strip())

    @property
    def version(self) -> str | None:
        if not self.required:
            return None
        both = self.group_text.encode() + b"\n\0\n" + self.additions_text.encode()
        return hashlib.sha256(both).hexdigest()[:VERSION_LENGTH]

    @property
    def group_html(self) -> str:
        return markdown_to_html(self.group_text)

    @property
    def additions_html(self) -> str:
        return markdown_to_html(self.additions_text)


def markdown_to_html(text: str) -> str:
    """CommonMark with raw HTML off (it shows as text), then sanitised all the same."""
    if not text.strip():
        return ""
    return sanitize_document_html(MarkdownIt("commonmark", {"html": False}).render(text))


@lru_cache(maxsize=16)
def _read(path: str, mtime: float) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _text(path: str | None) -> str:
    if not path:
        return ""
    try:
        return _read(path, os.stat(path).st_mtime)
    except (OSError, UnicodeDecodeError) as exc:
        raise CharterError(f"the charter file {path} cannot be read: {exc}") from None


def current_charter(config: Config) -> Charter:
    """The charter in force on this node now (a stat of each file per call)."""
    return Charter(group_text=_text(load_registry(config).charter), additions_text=_text(config.charter_additions))


def privacy_figures(config: Config) -> dict:
    """What the node keeps about a user and for how long, from its configuration: the
    privacy notice's figures (its words are the web app's, translated)."""
    return {"audit_trail_days": config.audit_retention_days,  # gateway/audit.py, a TTL index
            "web_session_hours": config.session_hours,
            "sign_in_failures_minutes": config.login_lockout_minutes,
            # every other class, from the one table the retention job reads (fedkit/runtime/retention.py)
            **{f"{name}_days": days for name, days in config.retention_periods}}
