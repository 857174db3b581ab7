"""Who follows the user: follow requests to a locked account
(docs.joinmastodon.org/methods/follow_requests/) and removing a follower
(docs.joinmastodon.org/methods/accounts/#remove_from_followers).

A locked account (``manuallyApprovesFollowers``) keeps each Follow pending (the inbox's
Follow handler) until its owner answers. Authorizing is an Accept, rejecting a request or
removing a follower a Reject of that Follow, each published through the user's outbox as a
C2S client would (so the follower's server hears it too); the inbox then records it."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from fedkit.protocol.vocab import ACCEPT, REJECT
from services.api import converter, ids, upstream
from services.api.auth import require_scope
from services.api.entities import account_entity
from services.api.entities import me as _me
from services.api.errors import api_error, not_found
from services.api.pagination import page_params, paged_response

bp = Blueprint("followers", __name__)


@bp.get("/api/v1/follow_requests")
@require_scope("read:follows", "follow")
def index():
    """The accounts waiting for the user's approval, newest first, with a Link header."""
    page = page_params(default=40, maximum=80)
    items = upstream.follow_page(_me(), "requests", limit=page.limit, max_id=page.max_id, since_id=page.since_id,
                                 min_id=page.min_id)
    entities = [e for e in (account_entity(item["actor"]) for item in items) if e is not None]
    return paged_response(jsonify(entities), [item["cursor"] for item in items])


def _answer(account_id: str, kind: str, *, only: str | None):
    """Accept or Reject the Follow of the user by this account (``only``: when the follow is
    in that state; else nothing to do); the answer is the Relationship as it now is."""
    follower = ids.actor_of(account_id)
    if not follower or follower == _me():
        return not_found("no such account")
    theirs = upstream.relationships(follower, [_me()]).get(_me(), {})  # their Follow of the user
    if only is not None and theirs.get("following") != only:
        return not_found("no follow request from that account") if only == converter.FOLLOW_PENDING \
            else jsonify(converter.relationship(account_id, upstream.relationships(_me(), [follower])[follower]))
    if theirs.get("following") is not None and theirs.get("follow_id"):
        published = upstream.publish(g.requester.user, {"type": kind, "object": theirs["follow_id"]})
        if published.status != 201:
            return api_error(published.status if published.status >= 400 else 422,
                             published.body.get("error_description") or "the answer was refused")
    state = upstream.relationships(_me(), [follower]).get(follower, {})
    # the inbox applies the answer a moment later: the Relationship as it will be
    state = {**state, "followed_by": converter.FOLLOW_ACCEPTED if kind == ACCEPT else None}
    return jsonify(converter.relationship(account_id, state))


@bp.post("/api/v1/follow_requests/<account_id>/authorize")
@require_scope("write:follows", "follow")
def authorize(account_id: str):
    return _answer(account_id, ACCEPT, only=converter.FOLLOW_PENDING)


@bp.post("/api/v1/follow_requests/<account_id>/reject")
@require_scope("write:follows", "follow")
def reject(account_id: str):
    return _answer(account_id, REJECT, only=converter.FOLLOW_PENDING)


@bp.post("/api/v1/accounts/<account_id>/remove_from_followers")
@require_scope("write:follows", "follow")
def remove_from_followers(account_id: str):
    """The account stops following the user (a Reject of its accepted Follow, as Mastodon
    sends); not a follower: the Relationship as it is."""
    return _answer(account_id, REJECT, only=converter.FOLLOW_ACCEPTED)
