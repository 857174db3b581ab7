"""The profile's declared parts on the settings' profile page: skills, interests, languages
and projects, each a list typed one per line or separated by commas, saved through
Archipel's ``PATCH /api/archipel/profile`` (services/api/archipel_profile.py); the parts
the company directory owns (job title, department…) are shown from the same answer, read
only."""

from __future__ import annotations

import json
import re

from flask import Blueprint, abort, redirect, request
from flask_babel import gettext as _

from services.web.api_client import ApiError
from services.web.context import api, api_failure, signed_in
from services.web.sessions import csrf_ok

bp = Blueprint("settings_skills", __name__)

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


@bp.post("/web/settings/profile/skills")
@signed_in
def save():
    if not csrf_ok():
        abort(400)
    body = {part: parsed(request.form.get(part, "")) for part in DECLARED}
    try:
        api().call("PATCH", PROFILE, data=json.dumps(body), headers={"Content-Type": "application/json"})
    except ApiError as exc:
        if exc.status != 422:
            return api_failure(exc)
        # The profile page again, as typed, with why (imported here: that module imports this one).
        from services.web.settings_pages import VERIFY, _profile_page

        try:
            account = api().get(VERIFY).body
        except ApiError as again:
            return api_failure(again)
        return _profile_page(account, 422, skills_problem=exc.args[0],
                             typed={part: request.form.get(part, "") for part in DECLARED})
    return redirect("/web/settings/profile?notice=skills#skills-title", 303)
