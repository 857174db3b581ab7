"""The signed-in user's settings the web app needs on every page, cached in their browser
session (services/web/models.py ``WebAppSession``) so no page asks the API for them: the
interface's language (the account's ``source[language]``), the composer's preselected
audience (``source[privacy]``, once the user chose one) and whether they administer the
node (the header's "Administration" link; the pages themselves ask the API).

Filled at sign-in from ``verify_credentials`` and refreshed when the user saves their
preferences or opens that page (settings_pages.py); a choice made in another app shows
after the next sign-in or a visit to the preferences page."""

from __future__ import annotations

from flask import g

from services.web.i18n import LANGUAGES

ADMIN_ROLE = "Admin"  # the API's Role name for the node's administrators (role node_admin)


def from_account(account: dict) -> dict:
    """The cached fields of a CredentialAccount."""
    source = account.get("source") if isinstance(account.get("source"), dict) else {}
    chosen = (account.get("archipel") or {}).get("privacy_chosen") is True
    language = source.get("language") if source.get("language") in LANGUAGES else ""
    return {"language": language, "audience": str(source.get("privacy") or "") if chosen else "",
            "admin": (account.get("role") or {}).get("name") == ADMIN_ROLE}


def refresh(viewer, account: dict) -> None:
    """Cache what the API just answered, if it changed."""
    fields = from_account(account)
    if any(getattr(viewer.record, k) != v for k, v in fields.items()):
        viewer.record.update(**{f"set__{k}": v for k, v in fields.items()})
        for key, value in fields.items():
            setattr(viewer.record, key, value)
    apply(viewer)


def apply(viewer) -> None:
    """This request's language and composer audience (services/web/i18n.py,
    services/web/audiences.py read them from ``g``)."""
    g.language = viewer.record.language or None
    g.audience = viewer.record.audience or None

