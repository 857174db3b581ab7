"""OAuth scopes as Mastodon defines them (docs.joinmastodon.org/api/oauth-scopes/), and the
scope each client-to-server action needs. One rule for every service (fedkit.runtime.internal's
``Requester.has_scope``).

The rule: a token may do what needs scope ``s`` when it holds ``s`` itself, or the
high-level scope ``s`` belongs to (``write`` covers every ``write:*``, ``admin:read`` every
``admin:read:*``), or ``follow`` for the relationship scopes it stands for. A granular
scope never grants its family nor a sibling: ``write:favourites`` does not publish a
status, ``read:notifications`` does not read statuses.
"""

from __future__ import annotations

from collections.abc import Iterable

from fedkit.protocol.vocab import (
    ACCEPT,
    ANNOUNCE,
    BLOCK,
    CREATE,
    DELETE,
    FLAG,
    FOLLOW,
    LIKE,
    REJECT,
    UNDO,
    UPDATE,
)

READ = ("read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters",
        "read:follows", "read:lists", "read:mutes", "read:notifications", "read:search",
        "read:statuses")
WRITE = ("write:accounts", "write:blocks", "write:bookmarks", "write:conversations",
         "write:favourites", "write:filters", "write:follows", "write:lists", "write:media",
         "write:mutes", "write:notifications", "write:reports", "write:statuses")
ADMIN_READ = ("admin:read:accounts", "admin:read:reports", "admin:read:domain_allows",
              "admin:read:domain_blocks", "admin:read:ip_blocks", "admin:read:email_domain_blocks",
              "admin:read:canonical_email_blocks")
ADMIN_WRITE = tuple(s.replace("admin:read:", "admin:write:") for s in ADMIN_READ)
# "follow" (deprecated since Mastodon 3.5) stands for these granular scopes.
FOLLOW_COVERS = frozenset({"read:follows", "write:follows", "read:blocks", "write:blocks",
                           "read:mutes", "write:mutes"})
HIGH_LEVEL = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")
KNOWN = frozenset(HIGH_LEVEL + READ + WRITE + ADMIN_READ + ADMIN_WRITE)


def grants(held: Iterable[str], needed: str) -> bool:
    """May a token holding the scopes ``held`` do what needs the scope ``needed``?"""
    held = set(held)
    if needed in held:
        return True
    family = needed.rsplit(":", 1)[0] if ":" in needed else None
    if family in HIGH_LEVEL and family in held:
        return True
    return "follow" in held and needed in FOLLOW_COVERS


# The scope each C2S activity needs, as the matching Mastodon API method (Create/Update/
# Delete/Announce of a status: write:statuses, reblog included; Like: favourite; Follow,
# and answering follow requests or invitations: write:follows; Block; Flag: a report).
ACTIVITY_SCOPES = {
    CREATE: "write:statuses", UPDATE: "write:statuses", DELETE: "write:statuses",
    ANNOUNCE: "write:statuses", LIKE: "write:favourites", FOLLOW: "write:follows",
    ACCEPT: "write:follows", REJECT: "write:follows", BLOCK: "write:blocks", FLAG: "write:reports",
}
# Anything the table does not name needs the whole write scope.
ANY_WRITE = "write"


def activity_scope(activity_type: str | None, *, undone_type: str | None = None,
                   updates_profile: bool = False) -> str:
    """The scope a token needs to post this activity to its user's outbox. ``undone_type``:
    for an Undo, the type of the activity it undoes (Undo Like: write:favourites);
    ``updates_profile``: an Update of the user's own actor (Mastodon's
    update_credentials: write:accounts)."""
    if activity_type == UNDO:
        return ACTIVITY_SCOPES.get(undone_type or "", ANY_WRITE)
    if activity_type == UPDATE and updates_profile:
        return "write:accounts"
    return ACTIVITY_SCOPES.get(activity_type or "", ANY_WRITE)
