"""Posting into a community from its page: the composer's extra audience "this community"
(preselected there). A status that mentions a community is addressed to it, and its
Group relays it to the members (FEP-1b12; services/api/communities.py): the mention is
added when the text lacks it, and "this community" alone is the API's ``direct``
visibility, addressed to the community and to no one else."""

from __future__ import annotations

import re

from services.web.comm_lookup import HANDLE
from services.web.comm_words import COMMUNITY


def target(form) -> str | None:
    """The handle of the community the composer posts into, if it is one."""
    handle = form.get("community") or ""
    return handle if HANDLE.fullmatch(handle) else None


def addressed(text: str, visibility: str, handle: str) -> tuple[str, str]:
    """(text, visibility) of a post into the community ``handle``."""
    if not re.search(rf"(?<![\w/@])@{re.escape(handle)}(?![\w@.:-])", text, re.IGNORECASE):
        text = f"@{handle} {text}"
    return text, "direct" if visibility == COMMUNITY else visibility


def page(handle: str) -> str:
    return f"/web/communities/{handle}"
