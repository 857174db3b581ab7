"""WebFinger (RFC 7033), host-meta, NodeInfo 2.1 and actor documents."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, request

from fedkit.contracts import identity as contract
from fedkit.contracts.communities import CommunitiesClient
from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.local_ids import USERS, local_community, local_name
from fedkit.protocol.tombstone import tombstone
from fedkit.protocol.vocab import (
    AP_CONTENT_TYPE,
    PERSON,
    PERSON_CONTEXT,
    instance_actor_id,
    local_actor_id,
)
from fedkit.rules.policy import node_audience, viewer_of
from fedkit.rules.profile_view import outside_view
from fedkit.rules.registry import load_registry
from fedkit.runtime import keystore
from fedkit.runtime.internal import internal_client
from fedkit.runtime.responses import activity_json, error
from services.identity.converter import instance_actor_json, person_json
from services.identity.lifecycle import closed_person
from services.identity.models import Account

bp = Blueprint("discovery", __name__)


def _config():
    return current_app.config["ARCHIPEL"]






def _username_from_resource(resource: str) -> str | None:
    config = _config()
    if resource.startswith("acct:"):
        name, _, host = resource[5:].lstrip("@").rpartition("@")
        return name.lower() if host.lower() == config.host.lower() else None
    return local_name(resource, config.base_url, USERS)


def _community_resource(resource: str) -> tuple[str, str] | None:
    """(actor id, subject) of the community named by acct:<slug>@host or its actor id,
    if the requester may see it (a hidden community is not found, as if absent)."""
    config = _config()
    name = local_community(resource, config.base_url)
    if name is None and resource.startswith("acct:"):
        name = _username_from_resource(resource)
    if not name:
        return None
    viewer = viewer_of(g.requester, config)
    found = CommunitiesClient(internal_client()).webfinger(name, viewer.actor or "", viewer.kind)
    if found is None:
        return None
    return found["actor"], f"acct:{found['slug']}@{config.host}"


@bp.get("/.well-known/webfinger")
def webfinger():
    resource = request.args.get("resource", "")
    if not resource:
        return error(400, "invalid_request", "resource parameter is required")
    config = _config()
    if resource in (f"acct:{config.host}@{config.host}", instance_actor_id(config.base_url)):
        actor = instance_actor_id(config.base_url)
        subject = f"acct:{config.host}@{config.host}"
    else:
        username = _username_from_resource(resource)
        account = Account.objects(username=username).first() if username else None
        if account is not None and not account.suspended:
            actor = local_actor_id(config.base_url, account.username)
            subject = f"acct:{account.username}@{config.host}"
        else:
            found = _community_resource(resource)
            if found is None:
                return error(404, "not_found", "no such account")
            actor, subject = found
    resp = jsonify(
        subject=subject,
        aliases=[actor],
        links=[
            {"rel": "self", "type": AP_CONTENT_TYPE, "href": actor},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor},
        ],
    )
    resp.headers["Content-Type"] = "application/jrd+json"
    return resp


@bp.get("/.well-known/host-meta")
def host_meta():
    base = _config().base_url
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
    return body, 200, {"Content-Type": "application/xrd+xml"}


@bp.get("/.well-known/nodeinfo")
def nodeinfo_links():
    base = _config().base_url
    return jsonify(links=[{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                           "href": f"{base}/nodeinfo/2.1"}])


@bp.get("/nodeinfo/2.1")
def nodeinfo():
    config = _config()
    users = Account.objects(suspended=False).count()
    try:
        local_posts = OutboxClient(internal_client()).local_posts()
    except Exception:
        local_posts = 0
    resp = jsonify({
        "version": "2.1",
        "software": {"name": "archipel", "version": "0.1.0",
                     "repository": "https://github.com/archipel/archipel"},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {"users": {"total": users, "activeMonth": users, "activeHalfyear": users},
                  "localPosts": local_posts},
        # The IRIs a client writes (or the "group"/"node" shorthands stand for) to address
        # every employee of the group's member nodes, or this node's users only.
        "metadata": {"nodeName": config.node_name, "groupAudience": load_registry(config).audience,
                     "nodeAudience": node_audience(config.base_url)},
    })
    resp.headers["Content-Type"] = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
    return resp


@bp.get(contract.PERSON)
def actor(username: str):
    """The actor document; outside the group only what the node's policy lets out
    (fedkit/rules/profile_view.py: partners, other servers and anonymous readers)."""
    return _person(username, whole=viewer_of(g.requester, _config()).in_group)


@bp.get(contract.ACCOUNT_PERSON)
def whole_person(username: str):
    """The actor document with the whole profile, for the node's own services (internal)."""
    return _person(username, whole=True)


MAX_PERSONS = 80  # one page of accounts (the api's largest)


@bp.post(contract.ACCOUNT_PERSONS)
def whole_persons():
    """``ACCOUNT_PERSON`` of each of ``usernames`` in one call (a page of statuses names
    many authors): {"persons": {username: document}}, without those ``ACCOUNT_PERSON``
    answers 404 or 410 for."""
    names = request_json(required=False).get("usernames")
    if not isinstance(names, list) or len(names) > MAX_PERSONS or not all(isinstance(n, str) for n in names):
        return error(400, "invalid_request", f"post {{usernames}}: at most {MAX_PERSONS} usernames")
    base = _config().base_url
    keys = {k.actor_id: k for k in keystore.ActorKey.objects(actor_id__in=[local_actor_id(base, n) for n in names])}
    persons = {}
    for account in Account.objects(username__in=names):
        status, document = _person_document(account, keys.get(local_actor_id(base, account.username)), whole=True)
        if status == 200:
            persons[account.username] = {**document, "@context": PERSON_CONTEXT}
    return jsonify(persons=persons)


def _person(username: str, *, whole: bool):
    account = Account.objects(username=username).first()
    if account is None:
        return error(404, "not_found", "no such actor")
    key = keystore.ActorKey.objects(actor_id=local_actor_id(_config().base_url, username)).first()
    status, document = _person_document(account, key, whole=whole)
    if status == 200:
        return activity_json(document, context=PERSON_CONTEXT)
    return activity_json(document, status)


def _person_document(account: Account, key, *, whole: bool) -> tuple[int, dict]:
    """(status, actor document) of an account, its key (``ActorKey``, or None) given."""
    username = account.username
    if account.suspended and key is not None and load_registry(_config()).keeps_departed_content:
        # A departed employee whose content the group keeps: served as Mastodon serves a
        # suspended account (``suspended: true``), with its name, marked, without a key.
        return 200, closed_person(_config(), account, key.public_pem)
    if account.suspended:
        # A closed account answers 410 Gone with a Tombstone, as Mastodon answers for a
        # suspended account whose data is gone (AccountOwnedConcern#check_account_suspension:
        # ``permanent_suspension_response`` -> ``gone``). Mastodon keeps serving the JSON of a
        # merely suspended one, with ``suspended: true``; we serve nothing of a closed profile,
        # so fetching it fails and its key cannot be fetched anew. Peers learn the suspension
        # from the signed Update (services/identity/lifecycle.py); reactivation serves it again.
        return 410, tombstone(local_actor_id(_config().base_url, username), PERSON)
    if key is None:
        abort(500)
    person = person_json(account, key.public_pem, _config())
    return 200, person if whole else outside_view(person, _config().profile_public_fields)


@bp.get("/actor")
def instance_actor():
    config = _config()
    key = keystore.ActorKey.objects(actor_id=instance_actor_id(config.base_url)).first()
    if key is None:
        abort(503)
    return activity_json(instance_actor_json(key.public_pem, config))
