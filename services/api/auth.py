"""Who may call a method: the gateway verified the bearer token once and forwarded the
user and scopes (fedkit/runtime/internal.py); here only Mastodon's per-method scope is checked
(docs.joinmastodon.org/api/oauth-scopes/, fedkit/rules/scopes.py for the rule)."""

from __future__ import annotations

from functools import wraps

from flask import g

from services.api.errors import api_error


def require_scope(*scopes: str):
    """The method needs a user's token holding (or covering) any one of ``scopes``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            requester = g.requester
            if not requester.user:
                return api_error(401, "The access token is invalid", "this method needs a user's bearer token")
            if not any(requester.has_scope(s) for s in scopes):
                return api_error(403, "This action is outside the authorized scopes",
                                 f"needs scope {' or '.join(scopes)}")
            return view(*args, **kwargs)

        return wrapper

    return decorator
