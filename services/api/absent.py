"""What Mastodon apps ask for at start-up and Archipel does not have yet: each answers an
honest empty list (what Mastodon answers a user who has none), never a 404 that makes an
app report an unsupported server. Each keeps the token and scope Mastodon asks for
(docs.joinmastodon.org/methods/…), so that filling one in changes no app's sign-in.

Who fills them: featured tags, trending statuses and links, suggestions and announcements come
with issue 11 (tags, people, the group's stream, announcement channels) — followed tags and
trending tags are no longer here: services/api/tags.py answers them; filters, lists,
conversations, blocks, mutes, endorsements and scheduled posts have no issue yet (issue 9:
"lists may come later").
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from services.api import ids
from services.api.auth import require_scope
from services.api.errors import not_found

bp = Blueprint("absent", __name__)


def _none(account_id: str | None = None):
    """An empty list; about an account, only one this node knows (else Mastodon's 404)."""
    if account_id is not None and not ids.actor_of(account_id):
        return not_found("no such account")
    return jsonify([])


def _endpoint(path: str) -> str:
    return path.strip("/").replace("/", "_").replace("<", "").replace(">", "")


# A user's own things: a token with Mastodon's scope for each.
for path, scope in (("/api/v2/filters", "read:filters"),  # methods/filters/#get
                    ("/api/v1/filters", "read:filters"),  # v1, still called by older apps
                    ("/api/v1/lists", "read:lists"),  # methods/lists/#get
                    ("/api/v1/announcements", "read"),  # methods/announcements/#get
                    ("/api/v1/conversations", "read:statuses"),  # methods/conversations/#get
                    ("/api/v1/blocks", "read:blocks"),  # methods/blocks/#get
                    ("/api/v1/domain_blocks", "read:blocks"),  # methods/domain_blocks/#get
                    ("/api/v1/mutes", "read:mutes"),  # methods/mutes/#get
                    ("/api/v1/endorsements", "read:accounts"),  # methods/endorsements/#get
                    ("/api/v1/featured_tags", "read:accounts"),  # methods/featured_tags/#get
                    ("/api/v1/scheduled_statuses", "read:statuses"),  # methods/scheduled_statuses/#get
                    ("/api/v1/suggestions", "read"),  # methods/suggestions/#v1
                    ("/api/v2/suggestions", "read"),  # methods/suggestions/#v2
                    ("/api/v1/accounts/<account_id>/lists", "read:lists")):  # methods/accounts/#lists
    bp.add_url_rule(path, endpoint=_endpoint(path), view_func=require_scope(scope)(_none))

# Public on Mastodon: trending statuses and links (methods/trends/; trending tags:
# services/api/tags.py) and an account's featured tags (methods/accounts/#featured_tags).
for path in ("/api/v1/trends/statuses", "/api/v1/trends/links",
             "/api/v1/accounts/<account_id>/featured_tags"):
    bp.add_url_rule(path, endpoint=_endpoint(path), view_func=_none)
