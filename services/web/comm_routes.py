"""The community pages for members, as one blueprint (comm_pages: reading; comm_actions:
joining, leaving, creating)."""

from __future__ import annotations

from flask import Blueprint

from services.web import comm_actions, comm_pages

bp = Blueprint("communities", __name__)
bp.register_blueprint(comm_actions.bp)  # first: /web/communities/new before /web/communities/<handle>
bp.register_blueprint(comm_pages.bp)


@bp.app_template_global("format_number")
def _format_number(number) -> str:
    """Numbers in the reader's language (1 234, 1.234, 1,234)."""
    from flask_babel import format_number

    return format_number(number if isinstance(number, int) else 0)


@bp.app_context_processor
def _community_helpers() -> dict:
    from services.web import comm_words

    return {"words": comm_words, "handle_of": comm_pages.handle_of}
