"""A person's profile: what the company directory owns and what the person declares.

Directory-owned, read-only for the person through every API (they are changed in the
directory and would come back at the next synchronisation anyway):
- ``name`` (``Account.display_name``, scim_backend.py);
- ``title``, ``location``, ``phone``, ``photo`` from the SCIM core User (RFC 7643 §4.1.1
  ``title``, §4.1.2 ``addresses.locality``, ``phoneNumbers``, ``photos``: the primary
  value, else the first);
- ``department``, ``entity`` (``organization``, else ``division``) and ``manager`` from the
  enterprise extension (RFC 7643 §4.3);
- where SCIM gives no value, the provider's claims at the last sign-in (OpenID Connect
  Core §5.1 ``phone_number``, ``picture``, ``address.locality``; ``job_title``,
  ``department`` and ``organization`` where the provider adds them).

Declared by the person: ``skills``, ``interests``, ``languages``, ``projects`` (short
lists, the ``skills``… terms of an Update of their Person), the bio (``summary``) and free
fields (``profile_fields``, Mastodon's fields).

In the actor document each part is a term of Archipel's context (``vocab.PROFILE_CONTEXT``,
machine-readable) and a schema.org ``PropertyValue`` in ``attachment`` (what Mastodon and
apps show), ahead of the free fields. What leaves the group is decided by
fedkit/rules/profile_view.py (the node's ``profile_public_fields``).
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

from fedkit.protocol.sanitize import sanitize_html
from fedkit.protocol.vocab import PROPERTY_VALUE, local_actor_id
from fedkit.rules.profile_view import DECLARED, DIRECTORY, LABELS, TERMS

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USERNAME = re.compile(r"^[a-z0-9_][a-z0-9_.-]{0,63}$")  # as Account.username
MAX_ITEMS, MAX_ITEM = 20, 60
# The provider's claims that fill a directory part SCIM leaves empty.
CLAIMS = {"title": ("job_title",), "department": ("department",), "entity": ("organization",),
          "phone": ("phone_number",), "photo": ("picture",)}


def _chosen(values) -> dict:
    """The primary item of a SCIM multi-valued attribute, else the first (RFC 7643 §2.4)."""
    items = [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []
    return next((v for v in items if v.get("primary") is True), items[0] if items else {})


def _text(value) -> str:
    return value.strip()[:200] if isinstance(value, str) else ""


def _manager(manager) -> str:
    """The manager's username: a SCIM User id on this node is its username (scim_backend.py);
    another id (another system's) names no actor here and is left out."""
    value = _text(manager.get("value")).lower() if isinstance(manager, dict) else ""
    return value if USERNAME.match(value) else ""


def claims_of(claims: dict) -> dict[str, str]:
    """The directory parts an ID token or userinfo answer carries (kept at sign-in)."""
    found = {part: _text(claims.get(name)) for part, names in CLAIMS.items() for name in names}
    address = claims.get("address")
    if isinstance(address, dict):
        found["location"] = _text(address.get("locality"))
    return {part: value for part, value in found.items() if value}


def directory_fields(account) -> dict[str, str]:
    """The directory-owned parts of an account (``manager``: the manager's username)."""
    try:
        stored = getattr(account, "scim_attributes", None)
        scim = json.loads(stored) if stored else {}
    except ValueError:
        scim = {}
    enterprise = next((v for k, v in scim.items() if k.lower() == ENTERPRISE.lower() and isinstance(v, dict)), {})
    manager = enterprise.get("manager")
    found = {
        "title": _text(scim.get("title")),
        "department": _text(enterprise.get("department")),
        "entity": _text(enterprise.get("organization")) or _text(enterprise.get("division")),
        "manager": _manager(manager),
        "location": _text(_chosen(scim.get("addresses")).get("locality")),
        "phone": _text(_chosen(scim.get("phoneNumbers")).get("value")),
        "photo": _text(_chosen(scim.get("photos")).get("value")),
    }
    claims = getattr(account, "directory_claims", None) or {}
    for part in DIRECTORY:
        if not found[part] and isinstance(claims.get(part), str):
            found[part] = claims[part][:200]
    if found["photo"] and urlsplit(found["photo"]).scheme not in ("http", "https"):
        found["photo"] = ""
    return {part: value for part, value in found.items() if value}


def declared_fields(account) -> dict[str, list[str]]:
    return {part: list(getattr(account, part, None) or []) for part in DECLARED if getattr(account, part, None)}


def clean_list(value) -> list[str] | None:
    """A declared list as stored (trimmed, without duplicates), or None when it is not a
    list of at most MAX_ITEMS strings of at most MAX_ITEM characters."""
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        return None
    out: dict[str, str] = {}
    for item in value:
        if not isinstance(item, str) or len(item.strip()) > MAX_ITEM:
            return None
        if item.strip():
            out.setdefault(item.strip().casefold(), " ".join(item.split()))
    return list(out.values())


def profile_document(account, base_url: str) -> dict:
    """The Person's profile terms and ``attachment`` (see the module docstring)."""
    directory, declared = directory_fields(account), declared_fields(account)
    doc: dict = {}
    attachment = []
    for part, value in directory.items():
        if part == "photo":
            doc[TERMS[part]] = {"type": "Image", "url": value}
            continue
        if part == "manager":
            actor = local_actor_id(base_url, value)
            doc["manager"] = actor
            shown_value = f'<a href="{html.escape(actor)}">{html.escape(value)}</a>'
        else:
            doc[TERMS[part]] = value
            shown_value = html.escape(value)
        attachment.append({"type": PROPERTY_VALUE, "name": LABELS[part], "value": shown_value})
    for part, values in declared.items():
        doc[TERMS[part]] = values
        attachment.append({"type": PROPERTY_VALUE, "name": LABELS[part], "value": html.escape(", ".join(values))})
    attachment += [{"type": PROPERTY_VALUE, "name": f.get("name", ""), "value": sanitize_html(f.get("value", ""))}
                   for f in (getattr(account, "profile_fields", None) or []) if isinstance(f, dict)]
    if attachment:
        doc["attachment"] = attachment
    return doc
