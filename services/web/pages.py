"""Reading: the home page with its three streams (what reached me, my node, the whole
group), older pages through the API's Link header, and the notifications."""

from __future__ import annotations

from flask import Blueprint, g, redirect, request
from flask_babel import lazy_gettext as _l

from services.web import audiences
from services.web.api_client import ApiError
from services.web.context import (
    PAGE,
    api,
    api_failure,
    config,
    instance,
    older_link,
    render,
    signed_in,
    unread_count,
)
from services.web.hashtag_links import week_uses
from services.web.people_support import pending_count
from services.web.sessions import current_viewer

bp = Blueprint("pages", __name__)

# tab -> (API path, its parameters, label): docs.joinmastodon.org/methods/timelines/
TABS = {
    "home": ("/api/v1/timelines/home", {}, _l("Following")),
    "node": ("/api/v1/timelines/public", {"local": "true"}, _l("My company")),
    "group": ("/api/v1/timelines/public", {}, _l("The whole group")),
}
TRENDING = 5  # tags in the group tab's trending box
@bp.get("/")
def index():
    if current_viewer() is None:
        return render("welcome.html", signed_out=bool(request.args.get("signed_out")))
    return home()


@bp.get("/web/home")
@signed_in
def home():
    tab = request.args.get("tab", "home")
    if tab not in TABS:
        tab = "home"
    path, params, _label = TABS[tab]
    max_id = request.args.get("max_id")
    try:
        answer = api().get(path, **params, max_id=max_id, limit=PAGE)
        options = audiences.offered(instance(), config().node_name)
    except ApiError as exc:
        return api_failure(exc)
    # The Link header's rel="prev" asks for what is newer than this page: polled (htmx) to
    # offer the new posts without reloading.
    newer = None if max_id else answer.links.get("prev", {}).get("min_id")
    return render("home.html", tab=tab, tabs=TABS, statuses=answer.body, older=older_link(answer),
                  paged=bool(max_id), audiences=options, chosen=audiences.default(options),
                  notice=request.args.get("notice"), newer=newer, trending=_trending() if tab == "group" else [])


def _trending() -> list[dict]:
    """The group's trending tags (docs.joinmastodon.org/methods/trends/#tags) for the group
    tab's small box; none when the API does not answer (the stream still shows)."""
    try:
        found = api().get("/api/v1/trends/tags", limit=TRENDING).body
    except ApiError:
        return []
    return [{"name": t["name"], "uses": week_uses(t)} for t in found if isinstance(t, dict)] \
        if isinstance(found, list) else []


@bp.get("/web/notifications")
@signed_in
def notifications():
    max_id = request.args.get("max_id")
    try:
        answer = api().get("/api/v1/notifications", max_id=max_id, limit=PAGE)
    except ApiError as exc:
        return api_failure(exc)
    items = answer.body if isinstance(answer.body, list) else []
    if items and not max_id:  # the newest page was read: the read position moves for every app
        try:
            api().post("/api/v1/markers", {"notifications[last_read_id]": items[0]["id"]})
        except ApiError as exc:
            if exc.status == 401:
                return api_failure(exc)
    return render("notifications.html", notifications=items, older=older_link(answer), unread="",
                  follow_requests=pending_count())


@bp.get("/web/fragments/unread")
@signed_in
def unread_badge():
    """The header's unread count, polled by htmx."""
    g.fragment = True
    return render("_unread.html", unread=unread_count())


@bp.get("/web/fragments/newer")
@signed_in
def newer_posts():
    """How many posts arrived above the page the reader has (htmx polls it)."""
    g.fragment = True
    tab = request.args.get("tab", "home")
    path, params, _label = TABS.get(tab, TABS["home"])
    try:
        found = api().get(path, **params, min_id=request.args.get("min_id"), limit=PAGE).body
    except ApiError:
        found = []
    return render("_newer.html", count=len(found) if isinstance(found, list) else 0, tab=tab)


@bp.get("/web")
def web_root():
    return redirect("/", 303)
