"""A user's posting defaults, kept by the api alone (no other service needs them): the
audience a new post gets when the app names none, and the language the user chose.

Mastodon keeps them as the account's ``source[privacy]`` and ``source[language]``, set
with ``PATCH /api/v1/accounts/update_credentials`` and read back in ``source`` and
``GET /api/v1/preferences`` (docs.joinmastodon.org/methods/accounts/#update_credentials,
docs.joinmastodon.org/methods/preferences/), so every app of the user, the web app too,
starts from the same defaults."""

from __future__ import annotations

import mongoengine as me
from babel import Locale, UnknownLocaleError

from fedkit.runtime import clock
from fedkit.runtime.db import Document
from services.api import converter

# Any audience a post may have, but ``direct``: as Mastodon, a default that silently sends
# every post to nobody but the people named is refused.
PRIVACIES = tuple(v for v in converter.VISIBILITIES if v != converter.DIRECT)


class PostingDefaults(Document):
    meta = {"collection": "api_posting_defaults"}
    user = me.StringField(primary_key=True)  # the local username
    privacy = me.StringField()
    language = me.StringField()
    updated_at = me.DateTimeField(default=clock.now)


def chosen(user: str | None) -> tuple[str | None, str | None]:
    """(default audience, language) the user chose, each None when they chose none."""
    found = PostingDefaults.objects(user=user).first() if user else None
    return (found.privacy or None if found else None, found.language or None if found else None)


def of(user: str | None) -> tuple[str, str | None]:
    """(default audience, language or None) of a local user: the node's default audience
    until they choose one."""
    privacy, language = chosen(user)
    return privacy or converter.DEFAULT_PRIVACY, language


def default_privacy(user: str | None) -> str:
    """The audience of a new post whose app names none (Mastodon: the user's default)."""
    return of(user)[0]


def language_code(value: str) -> str | None:
    """An ISO 639-1 code babel knows (``fr``), lower-cased; None for anything else."""
    code = value.strip().lower()
    if len(code) != 2 or not code.isalpha():
        return None
    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return None
    return code


def asked(source: object) -> dict | str:
    """The changes ``source[privacy]`` / ``source[language]`` ask for ({field: value}, an
    empty language clearing it), or the refusal's message."""
    if not isinstance(source, dict):
        return {}
    changes: dict = {}
    privacy = source.get("privacy")
    if privacy is not None:
        if privacy not in PRIVACIES:
            return f"Validation failed: Default privacy is not one of {', '.join(PRIVACIES)}"
        changes["privacy"] = privacy
    language = source.get("language")
    if language is not None:
        if not isinstance(language, str):
            return "Validation failed: Default language is not a language code"
        code = language_code(language) if language.strip() else ""
        if code is None:
            return "Validation failed: Default language is not an ISO 639-1 language code"
        changes["language"] = code or None
    return changes


def save(user: str, changes: dict) -> None:
    if changes:
        PostingDefaults.objects(user=user).update_one(
            upsert=True, set__updated_at=clock.now(), **{f"set__{k}": v for k, v in changes.items()})
