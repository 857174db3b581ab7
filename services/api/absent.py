"""What Mastodon apps ask for at start-up and Archipel does not have yet: each answers an
honest empty list (what Mastodon answers a user who has none), never a 404 that makes an
app report an unsupported server. Each keeps the token and scope Mastodon asks for
(docs.joinmastodon.org/methods/…), so that filling one in changes no app's sign-in.

Who fills them: followed tags, trending tags and announcements come with issue 11 (tags,
the group's stream, announcement channels); filters, lists and conversations have no issue
yet (issue 9: "lists may come later").
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from services.api.auth import require_scope

bp = Blueprint("absent", __name__)


def _none():
    return jsonify([])


# A user's own things: a token with Mastodon's scope for each.
for path, scope in (("/api/v2/filters", "read:filters"),  # methods/filters/#get
                    ("/api/v1/filters", "read:filters"),  # v1, still called by older apps
                    ("/api/v1/lists", "read:lists"),  # methods/lists/#get
                    ("/api/v1/followed_tags", "read:follows"),  # methods/followed_tags/#get
                    ("/api/v1/announcements", "read"),  # methods/announcements/#get
                    ("/api/v1/conversations", "read:statuses")):  # methods/conversations/#get
    bp.add_url_rule(path, endpoint=path.replace("/", "_"), view_func=require_scope(scope)(_none))

# Trends are public on Mastodon (methods/trends/#tags); /api/v1/trends is the old name.
for path in ("/api/v1/trends/tags", "/api/v1/trends"):
    bp.add_url_rule(path, endpoint=path.replace("/", "_"), view_func=_none)
