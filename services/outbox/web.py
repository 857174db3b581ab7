"""Outbox HTTP API: C2S posting, the outbox collection, objects at their ids, and
the proxyUrl endpoint (a user's signed fetch through their home node)."""

from __future__ import annotations

import json
import time

import requests
from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts.identity import Account, IdentityClient
from fedkit.contracts.outbox import PROXY
from fedkit.protocol.actors import MAX_DOCUMENT_BYTES
from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.paging import ordered_collection, ordered_collection_page, page_url
from fedkit.protocol.vocab import (
    AP_CONTENT_TYPE,
    CREATABLE_TYPES,
    CREATE,
    UNDO,
    UPDATE,
    activity_url,
    id_of,
    is_activitystreams,
    local_actor_id,
    object_url,
    type_of,
)
from fedkit.rules import charter_gate
from fedkit.rules.charter import CharterError
from fedkit.rules.scopes import activity_scope
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime import keystore
from fedkit.runtime.http import read_capped, signed_get
from fedkit.runtime.internal import internal_client, require_user
from fedkit.runtime.responses import activity_json, error
from services.outbox import dlp_rules
from services.outbox.departed import post_shown
from services.outbox.dlp_guard import GuardStop
from services.outbox.models import LocalObject, OutboxActivity
from services.outbox.objects import public_form, served, served_many
from services.outbox.posting import publish_as
from services.outbox.publishing import PublishError
from services.outbox.visibility import can_see

bp = Blueprint("outbox", __name__)
PAGE_SIZE = 20
# Data-loss prevention (dlp.py, dlp_guard.py): an unusable rules file stops the outbox at start.
bp.record_once(lambda state: dlp_rules.check_rules_file(state.app.config["ARCHIPEL"]))


def _config():
    return current_app.config["ARCHIPEL"]


def _account(username: str) -> Account | None:
    return IdentityClient(internal_client()).active_account(username)


def _needed_scope(username: str, data: dict) -> str:
    """The scope this activity needs (fedkit.rules.scopes): an Undo needs the scope of what it
    undoes, an Update of the user's own actor write:accounts."""
    kind = type_of(data)
    if kind in CREATABLE_TYPES:
        kind = CREATE  # a bare object is wrapped in a Create (publishing.py)
    undone = None
    if kind == UNDO:
        own = OutboxActivity.objects(activity_id=id_of(data.get("object")) or "",
                                     actor=local_actor_id(_config().base_url, username)).only("activity_type").first()
        undone = own.activity_type if own else None
    updates_profile = kind == UPDATE and id_of(data.get("object")) == local_actor_id(_config().base_url, username)
    return activity_scope(kind, undone_type=undone, updates_profile=updates_profile)


def _charter_refusal(username: str):
    """The client API's rule for C2S posting too: no writing before the usage charter in
    force is accepted (fedkit/rules/charter_gate.py); None when they may post."""
    try:
        refused = charter_gate.refusal(_config(), username, IdentityClient(internal_client()).accepted_charter)
    except (CharterError, requests.RequestException, ValueError) as exc:
        current_app.logger.error("the charter acceptance cannot be checked: %s", type(exc).__name__)
        return error(503, "charter_unavailable", "the usage charter cannot be checked now; try again later")
    return None if refused is None else error(403, charter_gate.CODE, refused.message)


@bp.post("/users/<username>/outbox")
@require_user()
def post_outbox(username: str):
    if g.requester.user != username:
        return error(403, "forbidden", "you can only post to your own outbox")
    if (refused := _charter_refusal(username)) is not None:
        return refused
    data = request_json()
    needed = _needed_scope(username, data)
    if not g.requester.has_scope(needed):
        return error(403, "insufficient_scope", f"needs scope {needed}")
    try:
        record = publish_as(username, data, account_checked=True)  # the gateway introspected the token
    except GuardStop as exc:  # blocked (422), held for review (202), rules unreadable (503)
        return exc.response()
    except PublishError as exc:
        return error(exc.status, exc.code, str(exc))
    resp = activity_json(served(record), 201)
    resp.headers["Location"] = record.activity_id
    return resp


@bp.get("/users/<username>/outbox")
def get_outbox(username: str):
    if _account(username) is None:
        return error(404, "not_found", "no such actor")
    config = _config()
    actor = local_actor_id(config.base_url, username)
    collection_id = f"{actor}/outbox"
    query = OutboxActivity.objects(actor=actor)
    if request.args.get("page") is None:
        return activity_json(ordered_collection(collection_id, paged=True))
    before = request.args.get("max")
    if before:
        anchor = OutboxActivity.objects(activity_id=before, actor=actor).first()
        if anchor:
            query = query.filter(created_at__lt=anchor.created_at)
    shown, last, scanned = [], None, 0
    internal = internal_client()
    for record in query.order_by("-created_at").limit(PAGE_SIZE * 5):
        last, scanned = record, scanned + 1
        if can_see(actor, record.addressees, g.requester, config, internal):
            shown.append(record)
            if len(shown) == PAGE_SIZE:
                break
    items = served_many(shown)
    more = last is not None and (len(items) == PAGE_SIZE or scanned == PAGE_SIZE * 5)
    return activity_json(ordered_collection_page(page_url(collection_id, before or None), collection_id, items,
                                                 next_cursor=last.activity_id if more else None))


@bp.get("/objects/<object_uuid>")
def get_object(object_uuid: str):
    config = _config()
    found = LocalObject.objects(object_id=object_url(config.base_url, object_uuid)).first()
    # Not found and not allowed look the same: nothing leaks about what exists.
    if found is None or not can_see(found.author, found.addressees, g.requester, config, internal_client()) \
            or not post_shown(found.author, found.addressees, config):
        return error(404, "not_found", "no such object")
    if found.deleted:
        return activity_json(found.raw, 410)
    return activity_json(public_form(found.raw))


@bp.get("/activities/<activity_uuid>")
def get_activity(activity_uuid: str):
    config = _config()
    found = OutboxActivity.objects(activity_id=activity_url(config.base_url, activity_uuid)).first()
    if found is None or not can_see(found.actor, found.addressees, g.requester, config, internal_client()) \
            or not post_shown(found.actor, found.addressees, config):
        return error(404, "not_found", "no such activity")
    return activity_json(served(found))


@bp.post(PROXY)
@require_user("read:statuses")
def proxy():
    """ActivityPub ``endpoints.proxyUrl``: fetch a document signed as the user. Only an
    ActivityStreams document is relayed (ActivityPub §3.2 media type and an AS2 context)."""
    config = _config()
    target = request.form.get("id") or request_json(required=False).get("id")
    if not isinstance(target, str) or not target:
        return error(400, "id_missing", "post the id to fetch as form field 'id'")
    key_id, private_pem = keystore.signing_key(local_actor_id(config.base_url, g.requester.user))
    try:
        resp = signed_get(target, config, key_id=key_id, private_pem=private_pem)
        body = read_capped(resp, MAX_DOCUMENT_BYTES, deadline=time.monotonic() + config.http_timeout)
    except UnsafeURL as exc:
        return error(400, "unsafe_url", str(exc))
    except (requests.RequestException, UnicodeError) as exc:
        return error(502, "unreachable", f"cannot fetch: {type(exc).__name__}")
    if resp.status_code not in (200, 410):
        return error(resp.status_code if resp.status_code in (401, 403, 404) else 502,
                     "fetch_failed", f"the origin answered {resp.status_code}")
    if body is None:
        return error(502, "too_large", "the document is too large")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = None
    if not is_activitystreams(resp.headers.get("Content-Type"), data):
        # The proxy relays ActivityPub documents, not whatever a URL serves.
        if resp.status_code == 410:
            return error(410, "gone", "the origin says the document is gone")
        if data is None:
            return error(502, "malformed_json", "the origin did not return JSON")
        return error(502, "not_activitystreams", "the origin did not return an ActivityStreams document")
    out = jsonify(data)
    out.status_code = resp.status_code
    out.headers["Content-Type"] = AP_CONTENT_TYPE
    return out
