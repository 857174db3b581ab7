"""Languages of the web app: English, French and German (Flask-Babel). The catalogues are
the ``.po`` files under ``translations/``, kept in the repository and compiled to ``.mo``
when the app starts (into a temporary folder: the installed package may be read-only).

The language is the user's choice when they made one (``g.language``, from their
preferences: settings_cache.py), else the best match of the browser's ``Accept-Language``,
else English."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, request
from flask_babel import Babel, format_date, format_time

LANGUAGES = ("en", "fr", "de")
SOURCE = Path(__file__).resolve().parent / "translations"


def compile_catalogues(source: Path = SOURCE) -> str:
    """Every ``<lang>/LC_MESSAGES/messages.po`` compiled into a new folder; returns it."""
    target = Path(tempfile.mkdtemp(prefix="archipel-web-i18n-"))
    atexit.register(shutil.rmtree, target, True)
    for po_file in source.glob("*/LC_MESSAGES/messages.po"):
        with po_file.open("rb") as fh:
            catalog = read_po(fh, locale=po_file.parent.parent.name)
        out = target / po_file.relative_to(source).with_suffix(".mo")
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
    return str(target)


def select_locale() -> str:
    chosen = g.get("language")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


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
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = compile_catalogues()
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["when"] = when
