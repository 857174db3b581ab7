"""The user's settings, all through the node's public APIs with their own token:

- profile: what the company directory does not own (the profile text, the profile fields,
  whether to approve followers), ``PATCH /api/v1/accounts/update_credentials``, and the
  declared skills, interests, languages and projects (profile_parts.py, settings_skills.py); the name
  and what else the directory holds are shown, not edited (the API refuses them with 422,
  whose message is shown);
- preferences: the interface's language and the composer's default audience, kept as the
  account's ``source[language]`` and ``source[privacy]`` so every app of the user starts
  from the same defaults (cached in the browser session: settings_cache.py);
- apps: the authorised apps and sessions (identity's ``/api/archipel/authorizations``),
  each revocable; revoking this browser's own signs it out;
- data: the archive of the user's data (``/api/archipel/archive``), relayed as it streams.
"""

from __future__ import annotations

import requests
from flask import Blueprint, Response, abort, make_response, redirect, request, stream_with_context

from services.web import audiences, profile_parts, settings_cache
from services.web.api_client import ApiError
from services.web.context import api, api_failure, config, instance, render, signed_in
from services.web.i18n import LANGUAGES
from services.web.sessions import csrf_ok, current_viewer, end_session

bp = Blueprint("settings", __name__)

CREDENTIALS = "/api/v1/accounts/update_credentials"
VERIFY = "/api/v1/accounts/verify_credentials"
AUTHORIZATIONS = "/api/archipel/authorizations"
ARCHIVE = "/api/archipel/archive"
ARCHIVE_TIMEOUT = 600  # seconds: the archive is built while it is sent
MAX_FIELDS = 4  # as the API (Mastodon's default)
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}  # each in its own language
HEX = frozenset("0123456789abcdef")  # identity names authorisations by a hex digest


@bp.before_app_request
def _settings_of_this_request():
    """Each signed-in page in the user's language, the composer with their audience: read
    from the session the page reads anyway (settings_cache.py)."""
    if request.path.startswith("/web/static/"):
        return
    viewer = current_viewer()
    if viewer is not None:
        settings_cache.apply(viewer)


def _checked_form() -> None:
    if not csrf_ok():
        abort(400)


@bp.get("/web/settings")
@signed_in
def settings_home():
    return redirect("/web/settings/profile", 303)


# -- profile ---------------------------------------------------------------------------------
def _profile_page(account: dict, code: int = 200, **values):
    source = account.get("source") or {}
    fields = list(source.get("fields") or [])[:MAX_FIELDS]
    fields += [{"name": "", "value": ""}] * (MAX_FIELDS - len(fields))
    values.setdefault("note", source.get("note") or "")
    values.setdefault("fields", fields)
    values.setdefault("locked", bool(account.get("locked")))
    for name, value in profile_parts.template_values(profile_parts.archipel_profile()).items():
        values.setdefault(name, value)  # skills, interests… (profile_parts.py)
    return render("settings_profile.html", code, account=account, section="profile",
                  notice=request.args.get("notice"), **values)


@bp.get("/web/settings/profile")
@signed_in
def profile():
    try:
        account = api().get(VERIFY).body
    except ApiError as exc:
        return api_failure(exc)
    return _profile_page(account)


@bp.post("/web/settings/profile")
@signed_in
def save_profile():
    _checked_form()
    form = request.form
    names, values = form.getlist("field_name")[:MAX_FIELDS], form.getlist("field_value")[:MAX_FIELDS]
    data = {"note": form.get("note", ""), "locked": "true" if form.get("locked") == "1" else "false"}
    for i in range(MAX_FIELDS):  # Rails' nested names, as apps send them; empty rows drop the field
        data[f"fields_attributes[{i}][name]"] = names[i].strip() if i < len(names) else ""
        data[f"fields_attributes[{i}][value]"] = values[i].strip() if i < len(values) else ""
    client = api()
    try:
        client.call("PATCH", CREDENTIALS, data=data)
    except ApiError as exc:
        if exc.status != 422:
            return api_failure(exc)
        try:  # refused (a field the directory owns, too long…): the form again, as typed, with why
            account = client.get(VERIFY).body
        except ApiError as again:
            return api_failure(again)
        typed = [{"name": names[i] if i < len(names) else "", "value": values[i] if i < len(values) else ""}
                 for i in range(MAX_FIELDS)]
        return _profile_page(account, 422, problem=exc.args[0], note=data["note"], fields=typed,
                             locked=data["locked"] == "true")
    return redirect("/web/settings/profile?notice=saved", 303)


# -- preferences -----------------------------------------------------------------------------
def _default_audiences() -> list[dict]:
    """The audiences the composer offers, but "only the people I mention": no default (the
    API refuses it as Mastodon does)."""
    return [o for o in audiences.offered(instance(), config().node_name) if o["value"] != "direct"]


@bp.get("/web/settings/preferences")
@signed_in
def preferences():
    viewer = current_viewer()
    try:
        account = api().get(VERIFY).body
        options = _default_audiences()
    except ApiError as exc:
        return api_failure(exc)
    settings_cache.refresh(viewer, account)  # a choice made in another app shows from here on
    return render("settings_preferences.html", section="preferences", languages=LANGUAGE_NAMES,
                  language=viewer.record.language, audiences=options, chosen=audiences.default(options),
                  notice=request.args.get("notice"))


@bp.post("/web/settings/preferences")
@signed_in
def save_preferences():
    _checked_form()
    language, audience = request.form.get("language", ""), request.form.get("audience", "")
    if language not in ("", *LANGUAGES):
        abort(400)
    try:
        if audience not in [o["value"] for o in _default_audiences()]:
            abort(400)
        account = api().call("PATCH", CREDENTIALS, data={"source[language]": language,
                                                         "source[privacy]": audience}).body
    except ApiError as exc:
        return api_failure(exc)
    settings_cache.refresh(current_viewer(), account)
    return redirect("/web/settings/preferences?notice=saved", 303)


# -- authorised apps and sessions ------------------------------------------------------------
@bp.get("/web/settings/apps")
@signed_in
def apps():
    try:
        body = api().get(AUTHORIZATIONS).body
    except ApiError as exc:
        return api_failure(exc)
    items = body.get("items", []) if isinstance(body, dict) else []
    return render("settings_apps.html", section="apps", authorizations=items, notice=request.args.get("notice"))


@bp.post("/web/settings/apps/<authorization_id>/revoke")
@signed_in
def revoke(authorization_id: str):
    _checked_form()
    if not authorization_id or len(authorization_id) > 64 or set(authorization_id) - HEX:
        abort(404)
    try:
        answer = api().post(f"{AUTHORIZATIONS}/{authorization_id}/revoke").body
    except ApiError as exc:
        return api_failure(exc)
    if answer.get("current"):  # this browser's own token: it is signed out
        response = make_response(redirect("/?signed_out=1", 303))
        end_session(response)
        return response
    return redirect("/web/settings/apps?notice=revoked", 303)


# -- the user's data ---------------------------------------------------------------------------
@bp.get("/web/settings/data")
@signed_in
def data():
    return render("settings_data.html", section="data")


@bp.get("/web/settings/data/archive")
@signed_in
def archive():
    """The api's zip, relayed chunk by chunk with the user's own token (never kept here)."""
    client = api()
    try:
        resp = client.http.get(client.base + ARCHIVE, stream=True, timeout=ARCHIVE_TIMEOUT)
    except requests.RequestException:
        abort(503)
    if resp.status_code != 200:
        resp.close()
        abort(resp.status_code if resp.status_code in (401, 403) else 502)
    relayed = Response(stream_with_context(resp.iter_content(64 * 1024)), mimetype="application/zip")
    relayed.headers["Content-Disposition"] = resp.headers.get("Content-Disposition", "attachment")
    relayed.headers["Cache-Control"] = "no-store"
    return relayed
