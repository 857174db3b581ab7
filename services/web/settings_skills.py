"""Saving the profile's declared parts (skills, interests, languages, projects), each a
list typed one per line or separated by commas, through Archipel's
``PATCH /api/archipel/profile`` (services/api/archipel_profile.py); the page is the
settings' profile page (settings_pages.py, profile_parts.py)."""

from __future__ import annotations

import json

from flask import Blueprint, abort, redirect, request
from flask_babel import gettext as _

from services.web.api_client import ApiError
from services.web.context import api, api_failure, render, signed_in
from services.web.profile_parts import DECLARED, PROFILE, parsed
from services.web.sessions import csrf_ok

bp = Blueprint("settings_skills", __name__)


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
        return render("error.html", 422, title=_("Your skills and interests were not saved"), message=exc.args[0])
    return redirect("/web/settings/profile?notice=skills#skills-title", 303)
