"""Accounts (docs.joinmastodon.org/methods/accounts/) and the user's preferences; an actor
becomes an Account entity in services/api/entities.py."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from fedkit.protocol.vocab import local_actor_id
from services.api import (
    communities,
    converter,
    credential_entities,
    ids,
    upstream,
    user_preferences,
)
from services.api.auth import require_scope
from services.api.entities import account_entity, actor_document
from services.api.entities import config as _config
from services.api.entities import me as _me
from services.api.errors import api_error, not_found
from services.api.pagination import page_params, paged_response
from services.api.params import flag, params

bp = Blueprint("accounts", __name__)


def _actor_of_id(account_id: str) -> str | None:
    return ids.actor_of(account_id)


@bp.get("/api/v1/accounts/verify_credentials")
@require_scope("read:accounts", "profile")
def verify_credentials():
    """The signed-in user's CredentialAccount (with ``source`` and ``role``)."""
    username = g.requester.user
    record = upstream.local_account(username)
    entity = account_entity(_me())
    if entity is None or record is None:
        return api_error(401, "The access token is invalid", "this account is closed")
    follow_requests = upstream.follow_counts(_me())["follow_requests"]
    privacy, language = user_preferences.chosen(username)
    return jsonify(credential_entities.credential_account(entity, summary=record.summary, roles=list(record.roles),
                                                follow_requests=follow_requests, privacy=privacy, language=language))


@bp.get("/api/v1/accounts/lookup")
def lookup():
    """An account by its acct (``name``, ``name@host``, ``@name@host``), without a
    WebFinger round trip: this node's accounts and the remote ones it already knows."""
    acct = request.args.get("acct", "").strip().lstrip("@")
    if not acct:
        return api_error(400, "Missing acct parameter", "acct: user or user@host")
    username, _, host = acct.partition("@")
    config = _config()
    if not username or "/" in username:
        return not_found()
    if not host or host.lower() == config.host.lower():
        actor = local_actor_id(config.base_url, username.lower())
        entity = account_entity(actor, closed_too=True) or account_entity(communities.actor_of_slug(username.lower()))
    else:
        document = upstream.known_remote_actor(username, host)
        entity = account_entity(document["id"], document) if document and isinstance(document.get("id"), str) \
            else None
    return jsonify(entity) if entity is not None else not_found("no such account")


@bp.get("/api/v1/accounts/relationships")
@require_scope("read:follows")
def relationships():
    """Follow state with each account in ``id[]`` (or ``id``), in the order asked;
    ids that name no account are left out, as Mastodon does."""
    asked = request.args.getlist("id[]") or request.args.getlist("id")
    pairs = [(account_id, _actor_of_id(account_id)) for account_id in dict.fromkeys(asked[:80])]
    pairs = [(account_id, actor) for account_id, actor in pairs if actor]
    states = upstream.relationships(_me(), [actor for _, actor in pairs]) if pairs else {}
    return jsonify([converter.relationship(account_id, communities.with_membership(actor, states.get(actor, {})))
                    for account_id, actor in pairs])


@bp.get("/api/v1/accounts/<account_id>")
def show(account_id: str):
    actor = _actor_of_id(account_id)
    entity = account_entity(actor, closed_too=True) if actor else None
    return jsonify(entity) if entity is not None else not_found("no such account")


@bp.get("/api/v1/accounts/<account_id>/<any(followers, following):which>")
def follow_list(account_id: str, which: str):
    """Accounts following this one, or followed by it (accepted follows), newest first,
    paged with a Link header whose cursors are the follow relations'."""
    actor = _actor_of_id(account_id)
    document = actor_document(actor) if actor else None
    if document is None or document.get("suspended") is True:  # a departed employee's follows went with them
        return not_found("no such account")
    page = page_params()
    cursors = {"limit": page.limit, "max_id": page.max_id, "since_id": page.since_id, "min_id": page.min_id}
    items = communities.members(actor, **cursors) if which == "followers" else None  # a community's
    if items is None:
        items = upstream.follow_page(actor, which, **cursors)
    entities = []
    for item in items:
        entity = account_entity(item["actor"])
        if entity is not None:  # not one that cannot be shown now (closed, unreachable), as Mastodon
            entities.append(entity)
    return paged_response(jsonify(entities), [item["cursor"] for item in items])


@bp.post("/api/v1/accounts/<account_id>/follow")
@require_scope("write:follows", "follow")
def follow(account_id: str):
    """Follow an account (docs.joinmastodon.org/methods/accounts/#follow): a Follow through
    the user's outbox, as a C2S client sends it; the Relationship says ``requested`` until
    the account's server accepts. Following again changes nothing but ``notify``: true
    subscribes the user to the account's new posts (``status`` notifications), false ends
    it, absent keeps it (Mastodon 3.3+). Following a community joins it (services/api/communities.py)."""
    actor = _actor_of_id(account_id)
    if not actor or actor == _me() or actor_document(actor) is None:
        return not_found("no such account")
    refusal = communities.join_refusal(actor)
    if refusal:
        return api_error(403, refusal)
    state = communities.with_membership(actor, upstream.relationships(_me(), [actor]).get(actor, {}))
    if state.get("following") is None:
        published = upstream.publish(g.requester.user, {"type": "Follow", "object": actor})
        if published.status != 201:
            return api_error(published.status if published.status >= 400 else 422,
                             published.body.get("error_description") or "the follow was refused")
        state = upstream.relationships(_me(), [actor]).get(actor, {})
        if state.get("following") is None:  # the local pipeline records it a moment later
            state = {**state, "following": converter.FOLLOW_PENDING}
    notify = {**request.args, **params()}.get("notify")
    if notify is not None:
        upstream.set_follow_notify(_me(), actor, flag(notify))
        state = {**state, "notifying": flag(notify)}
    return jsonify(converter.relationship(account_id, state))


@bp.post("/api/v1/accounts/<account_id>/unfollow")
@require_scope("write:follows", "follow")
def unfollow(account_id: str):
    """Stop following (or withdraw a request): an Undo of the user's Follow through their
    outbox, as a C2S client sends it (docs.joinmastodon.org/methods/accounts/#unfollow)."""
    actor = _actor_of_id(account_id)
    if not actor or actor == _me():
        return not_found("no such account")
    refusal = communities.leave_refusal(actor)
    if refusal:
        return api_error(422, refusal)
    state = upstream.relationships(_me(), [actor]).get(actor, {})
    if state.get("following") is not None and state.get("follow_id"):
        published = upstream.publish(g.requester.user, {"type": "Undo", "object": state["follow_id"]})
        if published.status != 201:
            return api_error(published.status if published.status >= 400 else 422,
                             published.body.get("error_description") or "the unfollow was refused")
    return jsonify(converter.relationship(account_id, {**state, "following": None}))


@bp.get("/api/v1/preferences")
@require_scope("read:accounts")
def preferences():
    """docs.joinmastodon.org/methods/preferences/: what the apps' composer starts with (the
    user's ``source[privacy]`` and ``source[language]``, services/api/user_preferences.py)."""
    privacy, language = user_preferences.of(g.requester.user)
    return jsonify({
        "posting:default:visibility": privacy,
        "posting:default:sensitive": False,
        "posting:default:language": language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })
