"""What the people pages share (no routes here): how many follow requests wait for the
user, and what a person's page shows of their profile: the company directory's facts,
the declared skills, interests, languages and projects as tags, the person's own fields,
and the communities they are a member of that the reader may see.

The Account's ``fields`` carry the directory's and the declared parts under their labels
(fedkit/rules/profile_view.py), then the person's own; for oneself the structured
``GET /api/archipel/profile`` answers instead."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from fedkit.protocol.sanitize import sanitize_html
from fedkit.rules.profile_view import DECLARED, DIRECTORY, part_of_label
from services.web.api_client import ApiError
from services.web.comm_lookup import handle_of
from services.web.context import api

SHOWN_FACTS = tuple(part for part in DIRECTORY if part != "photo")  # the photo is the avatar
LABELS = {"title": _l("Job title"), "department": _l("Department"), "entity": _l("Entity"),
          "manager": _l("Manager"), "location": _l("Location"), "phone": _l("Phone"),
          "skills": _l("Skills"), "interests": _l("Interests"), "languages": _l("Languages"),
          "projects": _l("Projects")}
MAX_COMMUNITIES = 50


def _tags(value: str) -> list[str]:
    """The entries of a declared part's field (``welding, brazing``), as text."""
    return [t.strip() for t in Markup(value).striptags().split(",") if t.strip()]


def from_fields(fields) -> dict:
    """{"facts": [(label, html)], "tags": [(label, [tag])], "own": [(name, html)]} of an Account's fields."""
    facts, tags, own = {}, {}, []
    for field in fields if isinstance(fields, list) else []:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            continue
        part, value = part_of_label(field["name"]), str(field.get("value") or "")
        if part in SHOWN_FACTS:
            facts[part] = Markup(sanitize_html(value))
        elif part in DECLARED:
            tags[part] = _tags(value)
        elif part is None:
            own.append((field["name"], Markup(sanitize_html(value))))
    return {"facts": [(LABELS[p], facts[p]) for p in SHOWN_FACTS if facts.get(p)],
            "tags": [(LABELS[p], tags[p]) for p in DECLARED if tags.get(p)], "own": own}


def own_profile(fields) -> dict:
    """The signed-in user's own: the structured profile for the directory's and declared
    parts, the Account's fields for the free ones."""
    shown = from_fields(fields)
    try:
        mine = api().get("/api/archipel/profile").body
    except ApiError:
        return shown
    directory, declared = mine.get("directory") or {}, mine.get("declared") or {}
    shown["facts"] = [(LABELS[p], str(directory[p])) for p in SHOWN_FACTS if directory.get(p)]
    shown["tags"] = [(LABELS[p], [str(t) for t in declared[p]]) for p in DECLARED if declared.get(p)]
    return shown


def communities_of(account: dict) -> list[dict]:
    """The communities of the group the person is a member of, as far as the reader may
    see them (the directory asks every node, each applying its own visibility policy);
    [] when the directory does not answer: the page shows the rest."""
    if account.get("group") or not account.get("uri"):
        return []
    try:
        body = api().get("/communities/directory", member=account["uri"]).body
    except ApiError:
        return []
    items = [i for i in (body.get("items") or []) if isinstance(i, dict)] if isinstance(body, dict) else []
    return [{"name": i.get("name") or i.get("slug"), "handle": handle_of(i)}
            for i in items[:MAX_COMMUNITIES] if i.get("slug")]


def pending_count() -> int:
    """How many accounts wait for the user's answer (verify_credentials'
    ``source.follow_requests_count``); 0 when the API does not say."""
    try:
        me = api().get("/api/v1/accounts/verify_credentials").body
    except ApiError:
        return 0
    count = (me.get("source") or {}).get("follow_requests_count") if isinstance(me, dict) else 0
    return count if isinstance(count, int) and count > 0 else 0
