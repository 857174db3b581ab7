"""Languages of the web app: English, French and German (Flask-Babel). The catalogues are
the ``.po`` files under ``translations/``, kept in the repository and compiled to ``.mo``
when the app starts (into a temporary folder: the installed package may be read-only).

The language is the user's choice when they made one (``g.language``, from their
preferences: settings_cache.py), else the best match of the browser's ``Accept-Language``,
else English."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import g
from flask_babel import format_date, format_time

from fedkit.runtime.i18n import LANGUAGES, browser_language, init_babel

SOURCE = Path(__file__).resolve().parent / "translations"
__all__ = ["LANGUAGES", "init_i18n", "select_locale", "when"]


def select_locale() -> str:
    chosen = g.get("language")
    return chosen if chosen in LANGUAGES else browser_language()


def when(value: str | None) -> str:
    """An API date (ISO 8601) in the reader's language: "Nov 29, 2026 10:43 PM",
    "29 nov. 2026 22:43", "29.11.2026 22:43" (UTC until users choose a time zone)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return f"{format_date(moment, 'medium')} {format_time(moment, 'short')}"


def init_i18n(app) -> None:
    init_babel(app, SOURCE, locale_selector=select_locale)
    app.jinja_env.filters["when"] = when
