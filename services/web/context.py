"""What every page of the web app shares (no routes here): the API client of the
signed-in user, the sign-in guard, rendering with the header's unread count, and the
answer to an API error."""

from __future__ import annotations

import re
import time
import uuid
from functools import wraps

from flask import abort, current_app, g, redirect, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from fedkit.protocol.sanitize import sanitize_html
from services.web import audiences
from services.web.api_client import ApiClient, ApiError
from services.web.hashtag_links import with_tag_pages
from services.web.oauth_client import api_base
from services.web.sessions import current_viewer, end_session

API_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")  # the API's ids; nothing else goes into its paths
PAGE = 20  # posts or notifications a page
UNREAD_CAP = 40  # more shows as "40+"
_INSTANCE: dict[str, tuple[float, dict]] = {}
INSTANCE_SECONDS = 300


def config():
    return current_app.config["ARCHIPEL"]


def api() -> ApiClient:
    viewer = current_viewer()
    return ApiClient(api_base(), viewer.token if viewer else None,
                     user_agent=f"Archipel web ({(request.user_agent.string or '')[:120]})")


def signed_in(view):
    """Pages for signed-in users: others go through the sign-in first, then come back."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_viewer() is None:
            if request.method != "GET":
                abort(401)
            return redirect("/web/login?next=" + request.full_path.rstrip("?"), 303)
        return view(*args, **kwargs)

    return wrapper


def instance() -> dict:
    """The node's instance document (its visibilities), kept a few minutes per process."""
    base = api_base()
    cached = _INSTANCE.get(base)
    if cached is None or cached[0] < time.monotonic():
        cached = (time.monotonic() + INSTANCE_SECONDS, api().get("/api/v1/instance").body)
        _INSTANCE[base] = cached
    return cached[1]


def unread_count() -> str:
    """The header's count: the API's notifications after the user's read position, the
    ``notifications`` marker every app of the user shares
    (docs.joinmastodon.org/methods/notifications/#unread-count)."""
    if current_viewer() is None:
        return ""
    try:
        count = api().get("/api/v1/notifications/unread_count", limit=UNREAD_CAP).body.get("count", 0)
    except (ApiError, AttributeError):
        return ""
    if not isinstance(count, int) or count <= 0:
        return ""
    return f"{UNREAD_CAP}+" if count >= UNREAD_CAP else str(count)


def content(status: dict) -> Markup:
    """A status' HTML, sanitised again here: the page shows no markup it did not allow; its
    hashtags link to their tag page."""
    return Markup(with_tag_pages(sanitize_html(status.get("content") or ""), status))


def render(template: str, code: int = 200, **values):
    viewer = current_viewer()
    values.setdefault("key", uuid.uuid4().hex)  # the composer's Idempotency-Key
    values.setdefault("unread", unread_count() if viewer is not None and not g.get("fragment") else "")
    return render_template(template, viewer=viewer, node=config().node_name, content=content, lang=str(get_locale()),
                           audience_label=audiences.label, **values), code


def api_failure(exc: ApiError):
    """An API refusal as a page: a token the node no longer accepts ends the session."""
    if exc.status == 401:  # revoked (signed out elsewhere, account closed) or expired
        response = redirect("/web/login?next=" + request.full_path.rstrip("?"), 303)
        end_session(response)
        return response
    if exc.status == 404:
        return render("error.html", 404, title=_("Not found"),
                      message=_("This page does not exist, or you may not see it."))
    if exc.status == 429:
        return render("error.html", 429, title=_("Too many requests"),
                      message=_("Please wait a moment, then try again."))
    if exc.status >= 500:
        return render("error.html", 503, title=_("The node is not answering"),
                      message=_("Please try again in a moment."))
    return render("error.html", exc.status, title=_("That did not work"), message=exc.args[0])


def older_link(answer) -> str | None:
    """The "older" link's max_id: the Link header's rel="next"
    (docs.joinmastodon.org/api/guidelines/#pagination), once a full page came (a shorter
    one was the last)."""
    if not isinstance(answer.body, list) or len(answer.body) < PAGE:
        return None
    return answer.links.get("next", {}).get("max_id") or None
