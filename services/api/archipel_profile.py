"""The signed-in user's profile as Archipel structures it: ``GET /api/archipel/profile``
and ``PATCH /api/archipel/profile`` (Archipel's own endpoint, beside the Mastodon API).

The PATCH body (JSON, or a form with ``skills[]=…``) sets the declared lists — ``skills``,
``interests``, ``languages``, ``projects`` — each replaced whole (at most 20 entries of 60
characters; ``[]`` empties it). This is the one way to declare them; the Account entity
shows them in ``fields`` (``Skills: welding, brazing``) so every app displays them. The
bio, free fields and name stay with update_credentials (services/api/profile.py). A part
the directory owns answers 422 saying where to change it; an unknown name answers 422.

Both answer ``{"directory": {part: value}, "declared": {part: [..]}, "public": [part..]}``:
``public`` lists what the node shows outside the group (``ARCHIPEL_PROFILE_PUBLIC_FIELDS``).
"""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from fedkit.protocol.vocab import PERSON, UPDATE, as_list, id_of
from fedkit.rules.profile_view import DECLARED, DIRECTORY, TERMS
from services.api import upstream
from services.api.auth import require_scope
from services.api.entities import config as _config
from services.api.entities import me as _me
from services.api.errors import api_error
from services.api.params import params

bp = Blueprint("archipel_profile", __name__)

PATH = "/api/archipel/profile"
DIRECTORY_OWNED = ("name", "display_name", *DIRECTORY)


def _profile(person: dict) -> dict:
    directory = {}
    for part in DIRECTORY:
        value = person.get(TERMS[part])
        value = id_of(value.get("url")) if part == "photo" and isinstance(value, dict) else id_of(value)
        if value:
            directory[part] = value
    declared = {part: [v for v in as_list(person.get(TERMS[part])) if isinstance(v, str)] for part in DECLARED}
    return {"directory": directory, "declared": declared, "public": list(_config().profile_public_fields)}


def _answer():
    person = upstream.local_person(g.requester.user)
    if person is None:
        return api_error(401, "The access token is invalid", "this account is closed")
    return jsonify(_profile(person))


@bp.get(PATH)
@require_scope("read:accounts")
def show():
    return _answer()


@bp.patch(PATH)
@require_scope("write:accounts")
def update():
    given = params()
    owned = sorted(k for k in given if k in DIRECTORY_OWNED)
    if owned:
        return api_error(422, f"Validation failed: {', '.join(owned)} come from the company directory; "
                              "ask for the change there")
    unknown = sorted(k for k in given if k not in DECLARED)
    if unknown:
        return api_error(422, f"Validation failed: unknown profile part {', '.join(unknown)} "
                              f"(one of {', '.join(DECLARED)})")
    if given:
        person = {"id": _me(), "type": PERSON, **{part: as_list(given[part]) for part in given}}
        published = upstream.publish(g.requester.user, {"type": UPDATE, "object": person})
        if published.status != 201:
            return api_error(published.status if published.status >= 400 else 422,
                             published.body.get("error_description") or "the profile could not be updated")
    return _answer()
