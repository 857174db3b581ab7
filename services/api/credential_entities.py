"""The signed-in user's own Account (docs.joinmastodon.org/entities/Account/#CredentialAccount)
and its Role: what ``verify_credentials`` and ``update_credentials`` answer (the Account
entity itself is services/api/converter.py's)."""

from __future__ import annotations

from fedkit.rules.profile_view import part_of_label
from services.api.converter import DEFAULT_PRIVACY, _text, plain_text

ROLE_NAMES = {"node_admin": "Admin", "moderator": "Moderator"}


MANAGE_REPORTS = 0x10  # Mastodon's permission bit (docs.joinmastodon.org/entities/Role/)


def role(roles: list[str]) -> dict:
    """The Role entity of a local account. Of Mastodon's admin API only the reports exist
    here (services/api/admin_reports.py): an administrator or moderator has
    ``manage_reports`` and nothing more, so an app offers no admin screen that would fail."""
    name = next((ROLE_NAMES[r] for r in ROLE_NAMES if r in roles), "")
    return {"id": "-99" if not name else name.lower(), "name": name, "color": "",
            "permissions": str(MANAGE_REPORTS if name else 0), "highlighted": bool(name)}


def credential_account(entity: dict, *, summary: str, roles: list[str], follow_requests: int,
                       privacy: str | None = None, language: str | None = None) -> dict:
    """The CredentialAccount: the Account plus ``source`` (with the user's posting
    defaults; ``privacy`` None: they chose none, the node's default applies) and ``role``
    (docs.joinmastodon.org/entities/Account/#CredentialAccount). Archipel adds
    ``archipel.privacy_chosen``, so a client with a default of its own (the web app's
    ``group``) knows whether the user chose one."""
    return {
        **entity,
        "source": {
            "note": plain_text(_text(summary)),
            # the person's own fields (what an app's form edits), not the profile's parts
            "fields": [{"name": f["name"], "value": plain_text(f["value"]), "verified_at": None}
                       for f in entity["fields"] if not part_of_label(f["name"])],
            "privacy": privacy or DEFAULT_PRIVACY,
            "sensitive": False,
            "language": language,
            "follow_requests_count": follow_requests,
            "discoverable": entity["discoverable"],
            "indexable": entity["indexable"],
            "hide_collections": entity["hide_collections"],
            "attribution_domains": [],
        },
        "role": role(roles),
        # auditor: this account reads the audit trail (gateway/audit_api.py; Mastodon has no such role)
        "archipel": {"privacy_chosen": privacy is not None, **({"auditor": True} if "auditor" in roles else {})},
    }
