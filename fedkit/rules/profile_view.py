"""What of a person's profile leaves the group: the node's profile policy.

A Person document of this group carries the person's profile twice: as terms of
Archipel's context (``vocab.PROFILE_CONTEXT``: ``jobTitle``, ``department``, ``skills``…)
and as schema.org ``PropertyValue`` attachments labelled as below (what apps show), then
the person's free fields. Member nodes and the node's own users see it whole; anyone
else (partners, the public fediverse, anonymous readers) sees only the parts the node's
``Config.profile_public_fields`` names. Identity applies this to the actor document it
serves, the api to every Person it shows to a reader from outside the group.
"""

from __future__ import annotations

from fedkit.protocol.vocab import PROPERTY_VALUE, as_list, type_of

DIRECTORY = ("title", "department", "entity", "manager", "location", "phone", "photo")
DECLARED = ("skills", "interests", "languages", "projects")
# Every part a node may publish outside the group (ARCHIPEL_PROFILE_PUBLIC_FIELDS).
PARTS = ("name", *DIRECTORY, *DECLARED, "bio", "fields")
LABELS = {"title": "Job title", "department": "Department", "entity": "Entity", "manager": "Manager",
          "location": "Location", "phone": "Phone", "skills": "Skills", "interests": "Interests",
          "languages": "Languages", "projects": "Projects"}
TERMS = {"title": "jobTitle", "department": "department", "entity": "entity", "manager": "manager",
         "location": "location", "phone": "telephone", "photo": "icon", **{part: part for part in DECLARED}}


def part_of_label(name) -> str | None:
    """The profile part a field's name stands for; None for a free field."""
    if not isinstance(name, str):
        return None
    wanted = name.strip().casefold()
    return next((part for part, label in LABELS.items() if label.casefold() == wanted), None)


def outside_view(person: dict, shown) -> dict:
    """``person`` (an actor document) as a reader outside the group may see it."""
    if type_of(person) != "Person":
        return person
    shown = set(shown)
    view = {key: value for key, value in person.items()
            if key not in {TERMS[part] for part in (*DIRECTORY, *DECLARED) if part not in shown}}
    if "name" not in shown:
        view["name"] = person.get("preferredUsername") or ""
    if "bio" not in shown:
        view["summary"] = ""
    kept = []
    for item in as_list(person.get("attachment")):
        part = part_of_label(item.get("name")) if isinstance(item, dict) else None
        if (part in shown) if part else ("fields" in shown and type_of(item) == PROPERTY_VALUE):
            kept.append(item)
    view.pop("attachment", None)
    if kept:
        view["attachment"] = kept
    return view


SEARCHABLE = ("title", "department", "entity", "location", *DECLARED)


def searchable_profile(person: dict) -> dict:
    """The profile terms of an actor document a people directory filters on (text parts as
    strings, declared parts as lists of strings); what the document does not say is absent."""
    out: dict = {}
    for part in SEARCHABLE:
        value = person.get(TERMS[part])
        if part in DECLARED:
            items = [v.strip()[:60] for v in as_list(value) if isinstance(v, str) and v.strip()][:20]
            if items:
                out[part] = items
        elif isinstance(value, str) and value.strip():
            out[part] = value.strip()[:200]
    return out
