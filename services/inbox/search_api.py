"""Finding posts for the client API (services/api): by hashtag (the tag timeline) and by
text (status search), among every post this node holds — received, and its own users'
delivered locally — and only those the requester may see (reading.py asks the policy).

Words are found by the node's full-text index (text_search.py: services/search, among the
reader's audiences); each post it names is then read here and shown only if the policy
lets the reader see it.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts import inbox as contract
from fedkit.protocol.hashtags import normalized
from fedkit.protocol.local_ids import is_local
from fedkit.rules.policy import viewer_of
from fedkit.runtime.internal import internal_client
from fedkit.runtime.responses import error
from services.inbox.local_posts import with_local_objects
from services.inbox.models import ReceivedObject
from services.inbox.reading import know_authors, viewer_may_see, without_hidden
from services.inbox.text_search import matching_ids

bp = Blueprint("inbox_search", __name__)

SCAN_LIMIT = 2000  # posts looked at for one answer, at most
MAX_QUERY = 200
MAX_OFFSET = 1000


def _names(arg: str) -> list[str]:
    return [n for n in (normalized(v) for v in request.args.getlist(arg)) if n]


def _cursor(name: str) -> dt.datetime | None:
    """A cursor: milliseconds, as this endpoint gives them out, or the id of a post this
    node holds (apps page with the ids of the statuses they show)."""
    value = request.args.get(name)
    if not value:
        return None
    if value.startswith(("https://", "http://")):
        found = ReceivedObject.objects(object_id=value).only("seen_at").first()
        if found is None or found.seen_at is None:
            raise ValueError(name)
        return found.seen_at
    if not (value.isascii() and value.isdigit() and len(value) <= 15):
        raise ValueError(name)
    return dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC)


def _millis(when: dt.datetime) -> str:
    return str(int(when.replace(tzinfo=when.tzinfo or dt.UTC).timestamp() * 1000))


def _number(name: str, default: int, top: int) -> int:
    value = request.args.get(name, "")
    return max(0, min(int(value), top)) if value.isascii() and value.isdigit() else default


@bp.get(contract.POSTS_MATCHING)
def posts_matching():
    """Posts with a hashtag among ``any`` and all of ``all`` and none of ``none``, and/or
    whose text matches ``q``; ``author``: one author's; ``local``: this node's users' only.
    Newest first (by arrival); ``offset`` (search) or ``max_id``/``since_id``/``min_id``
    (the tag timeline; cursors: milliseconds). [{"object", "cursor"}]"""
    config = current_app.config["ARCHIPEL"]
    q = request.args.get("q", "").strip()[:MAX_QUERY]
    any_of, all_of, none_of = _names("any"), _names("all"), _names("none")
    if not q and not any_of and not all_of:
        return error(400, "invalid_request", "q, any or all is required")
    try:
        max_id, since_id, min_id = _cursor("max_id"), _cursor("since_id"), _cursor("min_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this node gave out")
    limit, offset = max(1, _number("limit", 20, 80)), _number("offset", 0, MAX_OFFSET)
    query = ReceivedObject.objects(deleted=False)
    if any_of:
        query = query.filter(tags__in=any_of)
    if all_of:
        query = query.filter(tags__all=all_of)
    if none_of:
        query = query.filter(tags__nin=none_of)
    if request.args.get("author"):
        query = query.filter(attributed_to=request.args["author"])
    viewer, local_only = viewer_of(g.requester, config), bool(request.args.get("local"))
    if q:  # the posts whose words match, among the reader's audiences (then checked below)
        wanted = min(SCAN_LIMIT, 2 * (offset + limit) + 20)  # room for what the policy drops
        query = query.filter(object_id__in=matching_ids(q, viewer, config, author=request.args.get("author"),
                                                        wanted=wanted))
    if max_id is not None:
        query = query.filter(seen_at__lt=max_id)
    if since_id is not None:
        query = query.filter(seen_at__gt=since_id)
    oldest_first = min_id is not None
    query = query.filter(seen_at__gt=min_id).order_by("seen_at") if oldest_first \
        else query.order_by("-seen_at")
    items, skipped, candidates = [], 0, query.limit(SCAN_LIMIT)
    if q:  # a short list (the index's ids): whether their authors' accounts are closed, asked at once
        candidates = list(candidates)
        know_authors([found.attributed_to for found in candidates])
    for found in candidates:
        if local_only and not is_local(found.attributed_to, config.base_url):
            continue
        if not viewer_may_see(found.raw, viewer):
            continue
        if skipped < offset:
            skipped += 1
            continue
        items.append({"object": without_hidden(found.raw), "cursor": _millis(found.seen_at or found.updated_at)})
        if len(items) == limit:
            break
    if oldest_first:
        items.reverse()
    shown = with_local_objects([item["object"] for item in items], internal_client(), config.base_url)
    return jsonify(items=[{**item, "object": obj} for item, obj in zip(items, shown, strict=True)])


@bp.get(contract.TAGS)
def tags():
    """Hashtags whose name starts with ``q``, among the posts the requester may see, most
    used first: [{"name", "uses"}] (``name`` as most recently written), among the newest
    ``SCAN_LIMIT`` of them."""
    config = current_app.config["ARCHIPEL"]
    prefix = normalized(request.args.get("q", ""))
    if prefix is None:
        return jsonify(items=[])
    limit, viewer = max(1, _number("limit", 20, 40)), viewer_of(g.requester, config)
    # the posts with such a tag among the reader's audiences (the index), then checked below
    ids = matching_ids("", viewer, config, tag_prefix=prefix, wanted=SCAN_LIMIT)
    query = ReceivedObject.objects(object_id__in=ids, deleted=False).order_by("-updated_at")
    uses: dict[str, int] = {}
    shown: dict[str, str] = {}
    for found in query.limit(SCAN_LIMIT):
        if not viewer_may_see(found.raw, viewer):
            continue
        for tag in found.raw.get("tag") or []:
            name = normalized(tag.get("name", "")) if isinstance(tag, dict) else None
            if name and name.startswith(prefix):
                uses[name] = uses.get(name, 0) + 1
                shown.setdefault(name, tag["name"].lstrip("#"))
    ranked = sorted(uses, key=lambda n: (-uses[n], n))[:limit]
    return jsonify(items=[{"name": shown[n], "uses": uses[n]} for n in ranked])
