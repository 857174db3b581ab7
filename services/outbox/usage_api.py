"""What this node's people did over a period, for the usage observatory (the gateway's
gateway/usage_sources.py): their posts and replies (``local_objects``, votes and deleted
posts left out) and their reactions (Like, Announce) and Follows (``outbox_activities``).

A post is a *question* when its text ends with "?" or it carries the hashtag #question
(the observatory counts those nobody else answered within 48 hours).
"""

from __future__ import annotations

import datetime as dt
import html
import re

from flask import Blueprint, current_app, jsonify, request

from fedkit.contracts.usage import OUTBOX_ACTIVITIES
from fedkit.protocol.hashtags import names_of
from fedkit.protocol.local_ids import local_username
from fedkit.protocol.polls import is_vote
from fedkit.protocol.vocab import ANNOUNCE, FOLLOW, LIKE, audience_of, id_of
from fedkit.runtime import clock
from fedkit.runtime.responses import error
from services.outbox.models import LocalObject, OutboxActivity

bp = Blueprint("outbox_usage", __name__)
QUESTION_TAG = "question"
KINDS = {LIKE: "reaction", ANNOUNCE: "reaction", FOLLOW: "join"}
TAG = re.compile(r"<[^>]*>")
MAX_SPAN = dt.timedelta(days=400)


def is_question(post: dict) -> bool:
    text = html.unescape(TAG.sub(" ", post.get("content") or "")).strip()
    return text.endswith("?") or QUESTION_TAG in names_of(post)


def _moment(value: str | None) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return moment.replace(tzinfo=None) if moment.tzinfo is None else \
        moment.astimezone(dt.UTC).replace(tzinfo=None)


@bp.get(OUTBOX_ACTIVITIES)
def activities():
    since, until = _moment(request.args.get("since")), _moment(request.args.get("until"))
    if since is None or until is None or not since <= until <= since + MAX_SPAN:
        return error(400, "invalid_period", "since and until: ISO 8601 times, at most 400 days apart")
    base_url = current_app.config["ARCHIPEL"].base_url
    items = []
    for post in LocalObject.objects(created_at__gte=since, created_at__lt=until, deleted=False):
        username = local_username(post.author, base_url)
        if username is None or is_vote(post.raw):
            continue
        items.append({"username": username, "kind": "reply" if id_of(post.raw.get("inReplyTo")) else "post",
                      "at": clock.iso(post.created_at), "object": post.object_id,
                      "addressees": audience_of(post.raw), "question": is_question(post.raw)})
    for activity in OutboxActivity.objects(created_at__gte=since, created_at__lt=until,
                                           activity_type__in=tuple(KINDS)).only(
            "actor", "activity_type", "object_id", "created_at"):
        username = local_username(activity.actor, base_url)
        if username is not None and activity.object_id:
            items.append({"username": username, "kind": KINDS[activity.activity_type],
                          "at": clock.iso(activity.created_at), "object": activity.object_id})
    return jsonify(items=items)
