"""Accounts (docs.joinmastodon.org/methods/accounts/) and the user's preferences.

An account is any actor, local or remote, named by the Mastodon id the api gave its
actor URI (services/api/ids.py). What an account says comes from the service that owns
it: identity for this node's people, the outbox's actor cache for everyone else, the
inbox for follow state.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.local_ids import is_local, local_username
from fedkit.vocab import local_actor_id
from services.api import converter, ids, upstream
from services.api.auth import require_scope
from services.api.errors import api_error, not_found
from services.api.pagination import page_params, paged_response

bp = Blueprint("accounts", __name__)


def _config():
    return current_app.config["ARCHIPEL"]


def _local_username(actor: str) -> str | None:
    return local_username(actor, _config().base_url)


def actor_document(actor: str) -> dict | None:
    """The AS2 document of an actor URI, from the service that owns it; None if none."""
    username = _local_username(actor)
    if username is not None:
        return upstream.local_person(username)
    if is_local(actor, _config().base_url):
        return None  # communities as accounts come later
    return upstream.remote_actor(actor)


def account_entity(actor: str, document: dict | None = None, *, closed_too: bool = False) -> dict | None:
    """The Account entity of an actor URI, or None when it cannot be shown. With
    ``closed_too``, a closed local account is shown as Mastodon shows a suspended one
    (a colleague who left: apps that kept the id still open it)."""
    document = document if document is not None else actor_document(actor)
    if document is None:
        return _closed_entity(actor) if closed_too else None
    follows = upstream.follow_counts(actor)
    statuses = upstream.statuses_count(actor) if _local_username(actor) else 0
    return converter.account(document, account_id=ids.account_id(actor), base_url=_config().base_url,
                             counts=converter.Counts(statuses=statuses, followers=follows["followers"],
                                                     following=follows["following"]))


def _closed_entity(actor: str) -> dict | None:
    username = _local_username(actor)
    record = upstream.local_account(username) if username else None
    if record is None or not record.suspended:
        return None
    return converter.closed_account(actor, record.username, account_id=ids.account_id(actor),
                                    base_url=_config().base_url)


def _actor_of_id(account_id: str) -> str | None:
    return ids.actor_of(account_id)


def _me() -> str:
    return local_actor_id(_config().base_url, g.requester.user)


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
    return jsonify(converter.credential_account(entity, summary=record.summary, roles=list(record.roles),
                                                follow_requests=follow_requests))


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
        entity = account_entity(actor, closed_too=True)
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
    return jsonify([converter.relationship(account_id, states.get(actor, {})) for account_id, actor in pairs])


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
    if not actor or actor_document(actor) is None:
        return not_found("no such account")
    page = page_params()
    items = upstream.follow_page(actor, which, limit=page.limit, max_id=page.max_id, since_id=page.since_id,
                                 min_id=page.min_id)
    entities = []
    for item in items:
        entity = account_entity(item["actor"])
        if entity is not None:  # not one that cannot be shown now (closed, unreachable), as Mastodon
            entities.append(entity)
    return paged_response(jsonify(entities), [item["cursor"] for item in items])


@bp.get("/api/v1/preferences")
@require_scope("read:accounts")
def preferences():
    """docs.joinmastodon.org/methods/preferences/: what the apps' composer starts with."""
    return jsonify({
        "posting:default:visibility": converter.DEFAULT_PRIVACY,
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    })
