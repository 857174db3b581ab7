"""The signed-in user's settings the web app needs on every page, cached in their browser
session (services/web/models.py ``WebAppSession``) so no page asks the API for them: the
interface's language (the account's ``source[language]``), the composer's preselected
audience (``source[privacy]``, once the user chose one), whether they administer the
node, and whether they handle reports (``moderates``: a node moderator, or a moderator of
one of its communities) — the header's "Administration" link; the pages themselves ask
the API.

Filled at sign-in from ``verify_credentials`` and refreshed when the user saves their
preferences or opens that page (settings_pages.py); a choice made in another app shows
after the next sign-in or a visit to the preferences page."""

from __future__ import annotations

from flask import g

from services.web.api_client import ApiError
from services.web.i18n import LANGUAGES

ADMIN_ROLE = "Admin"  # the API's Role name for the node's administrators (role node_admin)
NODE_MODERATORS = ("Admin", "Moderator")  # Role names with manage_reports (services/api/converter.py)
COMMUNITY_MODERATORS = ("owner", "manager", "moderator")  # who handles a community's reports


def from_account(account: dict) -> dict:
    """The cached fields of a CredentialAccount."""
    source = account.get("source") if isinstance(account.get("source"), dict) else {}
    chosen = (account.get("archipel") or {}).get("privacy_chosen") is True
    language = source.get("language") if source.get("language") in LANGUAGES else ""
    return {"language": language, "audience": str(source.get("privacy") or "") if chosen else "",
            "admin": (account.get("role") or {}).get("name") == ADMIN_ROLE,
            "auditor": (account.get("archipel") or {}).get("auditor") is True}


def refresh(viewer, account: dict) -> None:
    """Cache what the API just answered, if it changed."""
    fields = from_account(account)
    if any(getattr(viewer.record, k) != v for k, v in fields.items()):
        viewer.record.update(**{f"set__{k}": v for k, v in fields.items()})
        for key, value in fields.items():
            setattr(viewer.record, key, value)
    apply(viewer)


def moderates(viewer, client, fresh: bool = False) -> str:
    """Which reports the user handles — "node" (all: the node's moderators), "community"
    (those about their communities' posts) or "no" — asked of the API once a session
    (the role of ``verify_credentials``, then the roles in the node's ``/communities``)
    and kept; "" while the API did not answer (asked again on the next page). ``fresh``:
    asked again (the administration's landing page, after a role changed)."""
    if viewer.record.moderates and not fresh:
        return viewer.record.moderates
    try:
        account = client.get("/api/v1/accounts/verify_credentials").body
        answer = "node" if (account.get("role") or {}).get("name") in NODE_MODERATORS else "no"
        if answer == "no":
            items = client.get("/communities").body.get("items", [])
            if any(isinstance(c, dict) and c.get("membership") == "member" and c.get("role") in COMMUNITY_MODERATORS
                   for c in items):
                answer = "community"
    except (ApiError, AttributeError):
        return ""
    if answer != viewer.record.moderates:
        viewer.record.update(set__moderates=answer)
        viewer.record.moderates = answer
    return answer


def apply(viewer) -> None:
    """This request's language and composer audience (services/web/i18n.py,
    services/web/audiences.py read them from ``g``)."""
    g.language = viewer.record.language or None
    g.audience = viewer.record.audience or None

