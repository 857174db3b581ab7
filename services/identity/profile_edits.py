"""A person's edit of their own profile (a C2S Update of their Person, whichever client
sent it: the api's update_credentials and PATCH /api/archipel/profile publish one).

What the directory owns (directory_profile.py) is refused when the edit would change it,
with a message that says where to change it; sent unchanged (apps send the whole form,
a C2S client sends back the document it read) it is fine and ignored. The declared lists
(``skills``, ``interests``, ``languages``, ``projects``) are set by their terms (which
PATCH /api/archipel/profile sends); a field named like a profile part (``Skills``,
``Department``…) is that part as shown, not a field of its own: unchanged it is ignored,
changed it is refused like the part.
"""

from __future__ import annotations

import re
from html import unescape

from fedkit.protocol.sanitize import sanitize_html
from fedkit.protocol.vocab import PROPERTY_VALUE, as_list, id_of, local_actor_id
from fedkit.rules.profile_view import DECLARED, DIRECTORY, LABELS, TERMS, part_of_label
from services.identity.accounts import LOCAL_ISSUER
from services.identity.directory_profile import MAX_ITEM, MAX_ITEMS, clean_list, directory_fields

MAX_NAME, MAX_SUMMARY, MAX_FIELDS, MAX_FIELD = 200, 5000, 4, 255  # Mastodon's limits for fields
WHERE = "it comes from the company directory; ask for the change there"
DECLARED_PATH = "/api/archipel/profile"


class Refused(ValueError):
    """The edit is refused; the message says why (the api shows it as a 422)."""


def directory_managed(account) -> bool:
    """Does the directory (SCIM) or the group's provider own this account's name?"""
    return account.issuer != LOCAL_ISSUER or account.scim_modified_at is not None


def _plain(value) -> str:
    return " ".join(unescape(re.sub(r"<[^>]*>", "", value)).split()) if isinstance(value, str) else ""


def _directory_value(part: str, person_value, base_url: str) -> str:
    """The value a Person's term gives for a directory part, comparable to directory_fields'."""
    if part == "manager":
        return (id_of(person_value) or "").removeprefix(local_actor_id(base_url, ""))
    if part == "photo":
        return id_of(person_value.get("url")) if isinstance(person_value, dict) else (id_of(person_value) or "")
    return person_value.strip() if isinstance(person_value, str) else ""


def _check_parts(account, person: dict, base_url: str) -> None:
    """Refuse a change of a directory part (its term or its field), or of a declared list
    through a field named like it (the lists have their term, and their endpoint)."""
    current = directory_fields(account)
    for part in DIRECTORY:
        if part == "photo":
            continue  # ``icon`` is the avatar; until avatars come with media it is not taken from here
        if TERMS[part] in person and _directory_value(part, person[TERMS[part]], base_url) != current.get(part, ""):
            raise Refused(f"Validation failed: {LABELS[part].lower()}: {WHERE}")
    for item in as_list(person.get("attachment")):
        part = part_of_label(item.get("name")) if isinstance(item, dict) else None
        if part in DIRECTORY and _plain(item.get("value")) != current.get(part, ""):
            raise Refused(f"Validation failed: {LABELS[part].lower()}: {WHERE}")
        if part in DECLARED and _plain(item.get("value")) != ", ".join(getattr(account, part, None) or []):
            raise Refused(f"Validation failed: {LABELS[part].lower()} are declared with PATCH {DECLARED_PATH}")


def _free_fields(attachment) -> list[dict]:
    """The PropertyValues that are the person's own fields (names plain text, values
    sanitized HTML; Mastodon's limits: 4 fields, 255 characters each)."""
    out = []
    for item in as_list(attachment):
        if isinstance(item, dict) and item.get("type") == PROPERTY_VALUE and isinstance(item.get("name"), str) \
                and item["name"].strip() and isinstance(item.get("value"), str) and not part_of_label(item["name"]):
            out.append({"name": item["name"].strip()[:MAX_FIELD], "value": sanitize_html(item["value"][:MAX_FIELD])})
    return out[:MAX_FIELDS]


def changes(account, person: dict, base_url: str) -> dict:
    """The Account fields an Update of ``account``'s Person changes; ``Refused`` if it
    would change what the directory owns or gives a declared list that is not one."""
    _check_parts(account, person, base_url)
    out: dict = {}
    name = person.get("name")
    if isinstance(name, str) and name.strip() != (account.display_name or "") and name.strip() != account.username:
        if directory_managed(account):
            raise Refused(f"Validation failed: your display name: {WHERE}")
        out["display_name"] = name.strip()[:MAX_NAME]
    if isinstance(person.get("summary"), str):
        out["summary"] = person["summary"][:MAX_SUMMARY]
    if isinstance(person.get("manuallyApprovesFollowers"), bool):
        out["locked"] = person["manuallyApprovesFollowers"]
    if "attachment" in person:
        out["profile_fields"] = _free_fields(person["attachment"])
    for part in DECLARED:
        if part in person:
            values = clean_list(as_list(person[part]))
            if values is None:
                raise Refused(f"Validation failed: {part}: at most {MAX_ITEMS} entries of {MAX_ITEM} characters")
            out[part] = values
    return out
