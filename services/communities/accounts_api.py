"""A local community as the client API shows it (services/api/communities.py): the Group
as a Mastodon account with its counts and the reader's standing, and its relays (the
FEP-1b12 Announces of members' posts) as that account's statuses. Internal, asked as a
local reader: what the reader may not see answers 404, as everywhere else."""

from __future__ import annotations

import datetime as dt

from bson import ObjectId
from flask import Blueprint, jsonify, request

from fedkit.contracts import communities as contract
from fedkit.protocol.vocab import ANNOUNCE
from fedkit.runtime import keystore
from fedkit.runtime.clock import aware, iso
from fedkit.runtime.responses import error
from services.communities.access import config, current_viewer, membership_of, visible_community
from services.communities.converter import group_json
from services.communities.federation import may_post
from services.communities.models import MEMBER, CommunityPost, Membership
from services.communities.sending import community_addressing

bp = Blueprint("communities_accounts", __name__)
MAX_LIMIT = 80


def _not_found():
    return error(404, "not_found", "no such community")


@bp.get(contract.ACCOUNT)
def account(slug: str):
    community = visible_community(slug)
    if community is None:
        return _not_found()
    reader = current_viewer().actor
    membership = membership_of(community, reader)
    key = keystore.ActorKey.objects(actor_id=community.actor_id).first()
    return jsonify(document=group_json(community, key.public_pem, config()),
                   members=Membership.objects(community=slug, state=MEMBER).count(),
                   posts=CommunityPost.objects(community=slug, removed=False).count(),
                   membership=membership.state if membership else None,
                   role=membership.role if membership else None,
                   may_post=may_post(community, reader) if reader else "not a member")


def _cursor(name: str) -> dt.datetime | None:
    """A cursor this endpoint gave out: a post's arrival in milliseconds."""
    value = request.args.get(name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        raise ValueError(name)
    return dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC)


def _member_cursor(name: str) -> ObjectId | None:
    """A cursor this endpoint gave out: a membership's id."""
    value = request.args.get(name)
    if value is None:
        return None
    if not ObjectId.is_valid(value):
        raise ValueError(name)
    return ObjectId(value)


def _millis(when: dt.datetime) -> str:
    return str(int(aware(when).timestamp() * 1000))


def _newest_first(query, field: str, max_id, since_id, min_id, limit: int) -> list:
    """Mastodon's paging on ``field``: ``max_id`` older than, ``since_id`` newer than,
    ``min_id`` just newer than (the page after it, still returned newest first)."""
    if max_id is not None:
        query = query.filter(**{f"{field}__lt": max_id})
    if since_id is not None:
        query = query.filter(**{f"{field}__gt": since_id})
    if min_id is not None:
        return list(query.filter(**{f"{field}__gt": min_id}).order_by(field).limit(limit))[::-1]
    return list(query.order_by(f"-{field}").limit(limit))


def _limit(default: int) -> int:
    return max(1, min(int(request.args.get("limit", str(default))), MAX_LIMIT))


@bp.get(contract.RELAYS)
def relays(slug: str):
    """The Group's Announces of its members' posts, newest first (Mastodon's paging:
    ``max_id`` older than, ``since_id`` newer than, ``min_id`` just newer than)."""
    community = visible_community(slug)
    if community is None:
        return _not_found()
    try:
        limit = _limit(20)
        max_id, since_id, min_id = _cursor("max_id"), _cursor("since_id"), _cursor("min_id")
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this service gave out")
    items = []
    for post in _newest_first(CommunityPost.objects(community=slug, removed=False), "created_at", max_id, since_id,
                              min_id, limit):
        # Posts relayed before announce_id was kept get an id of their own under the Group.
        announce_id = post.announce_id or f"{community.actor_id}/relays/{post.create_id or post.object_id}"
        announce = {"id": announce_id, "type": ANNOUNCE, "actor": community.actor_id,
                    "published": iso(post.created_at), **community_addressing(community), "object": post.raw}
        items.append({"activity": announce, "cursor": _millis(post.created_at)})
    return jsonify(items=items)


@bp.get(contract.MEMBERS)
def members(slug: str):
    """The community's members (its followers, FEP-1b12), newest first, paged like relays."""
    community = visible_community(slug)
    if community is None:
        return _not_found()
    try:
        limit = _limit(40)
        max_id, since_id, min_id = (_member_cursor(n) for n in ("max_id", "since_id", "min_id"))
    except ValueError as exc:
        return error(400, "invalid_cursor", f"{exc}: not a cursor this service gave out")
    found = _newest_first(Membership.objects(community=slug, state=MEMBER).only("actor"), "id", max_id, since_id,
                          min_id, limit)
    return jsonify(items=[{"actor": m.actor, "cursor": str(m.id)} for m in found])
