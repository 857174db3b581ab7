"""Editing one's profile (docs.joinmastodon.org/methods/accounts/#update_credentials): an
Update of the user's Person through their outbox, as a C2S client sends it, so identity
records it and the other servers hear of it.

What the company directory owns stays read-only: the name of an account the directory
(SCIM) or the group's identity provider manages comes from there, and would come back at
the next synchronisation anyway. Asking to change it answers 422 with a message that says
where to change it; sending it unchanged is fine (apps send the whole form at once).
So does every other part the directory owns (title, department, entity, manager, location,
phone: fields of the Account entity named like them, services/identity/profile_edits.py
refuses a change with the same 422). What people add — the profile text (``note``), the
fields, ``locked`` — is theirs to edit here; skills, interests, languages and projects
through PATCH /api/archipel/profile (services/api/archipel_profile.py).
The posting defaults Mastodon keeps in ``source`` (``source[privacy]``,
``source[language]``) are the api's own (services/api/user_preferences.py). Avatar and
header images come with media; until then they are ignored, as are ``source[sensitive]``
and the flags (``bot``, ``discoverable``) the directory decides here.
"""

from __future__ import annotations

import html

from flask import Blueprint, g, jsonify

from fedkit.protocol.sanitize import text_to_html
from fedkit.protocol.vocab import PERSON, UPDATE
from fedkit.rules.profile_view import part_of_label
from services.api import credential_entities, upstream, user_preferences
from services.api.auth import require_scope
from services.api.entities import account_entity
from services.api.entities import me as _me
from services.api.errors import api_error
from services.api.params import flag, flat_params, params

bp = Blueprint("profile", __name__)

MAX_NAME, MAX_NOTE, MAX_FIELDS, MAX_FIELD = 100, 500, 4, 255
DIRECTORY_NAME = ("Validation failed: your display name comes from the company directory; "
                  "ask for the change there")


def _fields(params: dict) -> list[tuple[str, str]] | None:
    """The profile fields asked for, in order; None when the request names none."""
    given = params.get("fields_attributes")
    if isinstance(given, dict):  # JSON {"0": {...}} as Rails reads it
        given = [given[k] for k in sorted(given, key=lambda k: int(k) if str(k).isdigit() else 0)]
    if given is None:
        indexes = sorted({int(k.split("[")[1].rstrip("]")) for k in params
                          if k.startswith("fields_attributes[") and k.split("[")[1].rstrip("]").isdigit()})
        if not indexes:
            return None
        given = [{"name": params.get(f"fields_attributes[{i}][name]", ""),
                  "value": params.get(f"fields_attributes[{i}][value]", "")} for i in indexes]
    if not isinstance(given, list):
        return None
    pairs = [(str(f.get("name") or "").strip(), str(f.get("value") or "").strip()) for f in given if isinstance(f, dict)]
    return [(n, v) for n, v in pairs if n]


def _person(params: dict, record) -> dict | str:
    """The Person to publish in the Update, or the refusal's message."""
    person: dict = {"id": _me(), "type": PERSON}
    name = params.get("display_name")
    if isinstance(name, str) and name.strip() != (record.display_name or ""):
        if record.directory_managed:
            return DIRECTORY_NAME
        if len(name.strip()) > MAX_NAME:
            return f"Validation failed: Display name is too long (maximum is {MAX_NAME} characters)"
        person["name"] = name.strip()
    note = params.get("note")
    if isinstance(note, str):
        if len(note) > MAX_NOTE:
            return f"Validation failed: Note is too long (maximum is {MAX_NOTE} characters)"
        person["summary"] = text_to_html(note)
    if "locked" in params:
        person["manuallyApprovesFollowers"] = flag(params["locked"])
    fields = _fields(params)
    if fields is not None:
        # A field named like a profile part (Department, Skills…) is that part as shown, not a
        # field of its own: identity refuses it if it changes what the directory owns.
        free = [(n, v) for n, v in fields if not part_of_label(n)]
        if len(free) > MAX_FIELDS or any(len(n) > MAX_FIELD or len(v) > MAX_FIELD for n, v in fields):
            return f"Validation failed: at most {MAX_FIELDS} fields of {MAX_FIELD} characters"
        person["attachment"] = [{"type": "PropertyValue", "name": n, "value": html.escape(v)} for n, v in fields]
    return person


@bp.patch("/api/v1/accounts/update_credentials")
@require_scope("write:accounts")
def update_credentials():
    username = g.requester.user
    record = upstream.local_account(username)
    if record is None or record.suspended:
        return api_error(401, "The access token is invalid", "this account is closed")
    person = _person(flat_params(), record)
    if isinstance(person, str):
        return api_error(422, person)
    defaults = user_preferences.asked(params().get("source"))  # source[privacy], source[language]
    if isinstance(defaults, str):
        return api_error(422, defaults)
    if len(person) > 2:  # something to change
        published = upstream.publish(username, {"type": UPDATE, "object": person})
        if published.status != 201:
            return api_error(published.status if published.status >= 400 else 422,
                             published.body.get("error_description") or "the profile could not be updated")
        record = upstream.local_account(username)
    user_preferences.save(username, defaults)
    entity = account_entity(_me())
    if entity is None or record is None:
        return api_error(401, "The access token is invalid", "this account is closed")
    follow_requests = upstream.follow_counts(_me())["follow_requests"]
    privacy, language = user_preferences.chosen(username)
    return jsonify(credential_entities.credential_account(entity, summary=record.summary, roles=list(record.roles),
                                                follow_requests=follow_requests, privacy=privacy, language=language))
