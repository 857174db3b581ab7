"""The catalogues of a service's HTML pages (English, French, German): ``.po`` files kept in
the repository under the service's ``translations/``, compiled to ``.mo`` when the app
starts (into a temporary folder: the installed package may be read-only), and the reader's
language from ``Accept-Language``."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request

LANGUAGES = ("en", "fr", "de")


def compile_catalogues(source: Path) -> str:
    """Every ``<lang>/LC_MESSAGES/messages.po`` under ``source`` compiled into a new folder."""
    target = Path(tempfile.mkdtemp(prefix="archipel-i18n-"))
    atexit.register(shutil.rmtree, target, True)
    for po_file in source.glob("*/LC_MESSAGES/messages.po"):
        with po_file.open("rb") as fh:
            catalog = read_po(fh, locale=po_file.parent.parent.name)
        out = target / po_file.relative_to(source).with_suffix(".mo")
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
    return str(target)


def browser_language() -> str:
    """The best of ``LANGUAGES`` for this request's ``Accept-Language``, else English."""
    return request.accept_languages.best_match(LANGUAGES) or "en"


def init_babel(app, source: Path) -> None:
    """Flask-Babel on ``app`` with the catalogues of ``source``, in the browser's language."""
    from flask_babel import Babel

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = compile_catalogues(source)
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    Babel(app, locale_selector=browser_language)
