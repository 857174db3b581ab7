"""The profile's parts as Archipel structures them (``GET /api/archipel/profile``,
services/api/archipel_profile.py), for the settings' profile page: the declared skills,
interests, languages and projects (edited by settings_skills.py) and the parts the
company directory owns, shown read only."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from services.web.api_client import ApiError
from services.web.context import api

PROFILE = "/api/archipel/profile"
DECLARED = ("skills", "interests", "languages", "projects")
SHOWN_DIRECTORY = ("title", "department", "entity", "manager", "location", "phone")
SEPARATORS = re.compile(r"[,\n]")


def declared_label(part: str) -> str:
    return {"skills": _("Skills"), "interests": _("Interests"), "languages": _("Languages"),
            "projects": _("Projects")}[part]


def directory_label(part: str) -> str:
    return {"title": _("Job title"), "department": _("Department"), "entity": _("Company"),
            "manager": _("Manager"), "location": _("Location"), "phone": _("Phone")}[part]


def directory_value(part: str, value: str) -> str:
    """A part as read: the manager is an address (their profile's), shown by name."""
    if part == "manager" and value.startswith(("http://", "https://")):
        return "@" + value.rstrip("/").rsplit("/", 1)[-1]
    return value


def archipel_profile() -> dict | None:
    """The API's answer ({"directory", "declared", "public"}), None if it gave none: the
    rest of the page stands without it."""
    try:
        body = api().get(PROFILE).body
    except ApiError:
        return None
    return body if isinstance(body, dict) else None


def parsed(text: str) -> list[str]:
    """``welding, brazing`` or one per line: the entries, without blanks or repeats."""
    return list(dict.fromkeys(v.strip() for v in SEPARATORS.split(text or "") if v.strip()))


def template_values(profile: dict | None) -> dict:
    return {"archipel": profile, "declared_parts": DECLARED, "directory_parts": SHOWN_DIRECTORY,
            "declared_label": declared_label, "directory_label": directory_label,
            "directory_value": directory_value}
