"""A hashtag's page (``/web/tags/<name>``): the posts with that tag the reader may see
(the API's tag timeline), how much it was used this week, and the follow / unfollow button
(docs.joinmastodon.org/methods/tags/); ``/tags/<name>``, where posts link their hashtags
(as Mastodon writes them), leads here (hashtag links in a post's HTML are pointed here by
services/web/hashtag_links.py)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, redirect, request

from fedkit.protocol.hashtags import normalized
from services.web.api_client import ApiError
from services.web.context import PAGE, api, api_failure, older_link, render, signed_in
from services.web.hashtag_links import week_uses
from services.web.sessions import csrf_ok

bp = Blueprint("tags", __name__)


def _name_or_404(raw: str) -> str:
    name = normalized(raw)
    if name is None:
        abort(404)
    return name


@bp.get("/web/tags/<name>")
@signed_in
def tag_page(name: str):
    name = _name_or_404(name)
    client = api()
    try:
        tag = client.get(f"/api/v1/tags/{quote(name)}").body
        answer = client.get(f"/api/v1/timelines/tag/{quote(name)}", max_id=request.args.get("max_id"), limit=PAGE)
    except ApiError as exc:
        return api_failure(exc)
    return render("tag.html", tag=tag, name=name, statuses=answer.body, older=older_link(answer),
                  uses=week_uses(tag))


@bp.post("/web/tags/<name>/<any(follow, unfollow):action>")
@signed_in
def follow(name: str, action: str):
    if not csrf_ok():
        abort(400)
    name = _name_or_404(name)
    try:
        api().post(f"/api/v1/tags/{quote(name)}/{action}")
    except ApiError as exc:
        return api_failure(exc)
    return redirect(f"/web/tags/{quote(name)}", 303)


@bp.get("/tags/<name>")
def tag_link(name: str):
    """Where this node's posts link a hashtag (fedkit/protocol/hashtags.py): its web page."""
    return redirect(f"/web/tags/{quote(_name_or_404(name))}", 302)

