"""Words the reports pages share (mod_report.py, mod_queue.py): a report's category as
Mastodon names them (docs.joinmastodon.org/entities/Report/#category), in plain words."""

from __future__ import annotations

from flask_babel import gettext as _


def category_label(category: str) -> str:
    return {"spam": _("Spam or advertising"), "violation": _("It breaks the charter or the rules"),
            "legal": _("It is illegal"), "other": _("Something else")}.get(category, category)
