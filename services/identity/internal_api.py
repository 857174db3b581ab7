"""Identity's internal API for the other services of the node (never public)."""

from __future__ import annotations

import mongoengine as me
from flask import Blueprint, current_app, jsonify, request

from fedkit.contracts import identity as contract
from fedkit.contracts import search, trails
from fedkit.protocol.jsonbody import request_json, string_value
from fedkit.runtime import trail_pages
from fedkit.runtime.responses import error
from services.identity import people_index, profile_edits, scim_audit
from services.identity.accounts import LOCAL_ISSUER, create_account
from services.identity.credentials import digest
from services.identity.models import Account, OAuthClient, OAuthToken

bp = Blueprint("identity_internal", __name__)


def account_json(account: Account) -> dict:
    return {"username": account.username, "display_name": account.display_name,
            "locked": account.locked, "suspended": account.suspended,
            "roles": list(account.roles or []), "signs_in_with_group": account.issuer != LOCAL_ISSUER,
            "summary": account.summary or "",
            # the directory (SCIM) or the group's provider gives the name: not the user's to edit
            "directory_managed": profile_edits.directory_managed(account)}


@bp.get(contract.ACCOUNT)
def get_account(username: str):
    account = Account.objects(username=username).first()
    if account is None:
        return jsonify(error="not_found"), 404
    return jsonify(account_json(account))


MAX_ASKED = 500  # the most a search scans for one page, with room


@bp.post(contract.OPEN_ACCOUNTS)
def open_accounts():
    """Which of ``usernames`` are accounts not closed (a page's authors, asked at once)."""
    names = request_json(required=False).get("usernames")
    if not isinstance(names, list) or len(names) > MAX_ASKED or not all(isinstance(n, str) for n in names):
        return error(400, "invalid_request", f"post {{usernames}}: at most {MAX_ASKED} usernames")
    found = Account.objects(username__in=names, suspended__ne=True).only("username")
    return jsonify(open=[account.username for account in found])


@bp.post(contract.ACCOUNT_PROFILE)
def update_profile(username: str):
    """Update of the Person from a C2S Update (outbox asks; identity owns the profile).
    What the directory owns is refused (422) when it would change; see profile_edits.py."""
    account = Account.objects(username=username).first()
    if account is None:
        return jsonify(error="not_found"), 404
    try:
        changes = profile_edits.changes(account, request_json(required=False), current_app.config["ARCHIPEL"].base_url)
    except profile_edits.Refused as exc:
        return jsonify(error="directory_owned", error_description=str(exc)), 422
    if changes:
        account.update(**{f"set__{key}": value for key, value in changes.items()})
        account.reload()
        people_index.indexed(current_app.config["ARCHIPEL"], username)
    return jsonify(account_json(account))


@bp.post(contract.APP_OF_TOKEN)
def app_of_token():
    """The registered app behind a live access token (the api's apps/verify_credentials)."""
    token_value = request_json(required=False).get("token")
    token = OAuthToken.objects(access_token_hash=digest(token_value)).first() \
        if isinstance(token_value, str) and token_value else None
    if token is None or token.revoked or token.is_expired():
        return jsonify(error="not_found"), 404
    client = OAuthClient.objects(client_id=token.client_id).first()
    if client is None:
        return jsonify(error="not_found"), 404
    return jsonify(client_id=client.client_id, name=client.client_name, website=client.website,
                   redirect_uris=list(client.redirect_uris or []), scopes=client.scope.split())


@bp.post(contract.FIRST_PARTY_APP)
def mark_first_party():
    """The node's web app is trusted by the node itself (only its services hold the internal
    secret): a client whose only redirect URI is this node's web callback; any other is
    refused, so a token that reached here some other way cannot trust a third-party app."""
    client_id = request_json(required=False).get("client_id")
    client = OAuthClient.objects(client_id=client_id).first() if isinstance(client_id, str) else None
    if client is None:
        return jsonify(error="not_found"), 404
    if list(client.redirect_uris or []) != [contract.web_app_redirect_uri(current_app.config["ARCHIPEL"].base_url)]:
        return jsonify(error="not_the_web_app"), 422
    client.update(set__first_party=True)
    return jsonify(client_id=client.client_id, first_party=True)


@bp.post(contract.ACCOUNTS)
def create():
    data = request_json(required=False)
    username = string_value(data.get("username")).lower()
    if not Account._fields["username"].regex.match(username):
        return jsonify(error="invalid_username"), 422
    if Account.objects(username=username).first():
        return jsonify(error="exists"), 409
    try:
        account = create_account(current_app.config["ARCHIPEL"], username,
                                 display_name=string_value(data.get("display_name")),
                                 password=data.get("password") if isinstance(data.get("password"), str) else None,
                                 locked=bool(data.get("locked")))
    except me.ValidationError as exc:
        return jsonify(error="invalid_account", error_description=str(exc)), 422
    return jsonify(account_json(account)), 201


# -- account closure (services/identity/lifecycle.py), for the node's other services ---------
@bp.post(contract.ACCOUNT_CHANGE)
def change_account(username: str, change: str):
    """Body ``{"by": "<who asked>"}``; answers the account, and ``announced`` false when
    the change is in force here but not federated yet (post again to announce it)."""
    from services.identity import lifecycle

    account = Account.objects(username=username).first()
    if account is None:
        return jsonify(error="not_found"), 404
    by = request_json(required=False).get("by")
    if not isinstance(by, str) or not by.strip():
        return jsonify(error="by_missing", error_description="say who asked in 'by'"), 400
    announced = True
    try:
        getattr(lifecycle, change)(current_app.config["ARCHIPEL"], account, by=by.strip()[:200])
    except lifecycle.AnnounceError:
        announced = False
    return jsonify({**account_json(account), "announced": announced})


@bp.post(search.REPLAY)
def search_replay():
    """Queue the index events of a page of the open accounts (fedkit/contracts/search.py: a rebuild)."""
    config = current_app.config["ARCHIPEL"]
    answer = search.replay_page(config, Account.objects(suspended__ne=True, scim_deleted__ne=True), "username", lambda row: people_index.event_of(row, config), request_json(required=False))
    return jsonify(answer) if answer is not None else error(503, "unavailable", "the index stream did not answer")


@bp.get(trails.SCIM_CHANGES)
def scim_changes():
    """The SCIM changes trail for the gateway's auditor API (who may read: the gateway's check)."""
    try:
        query = trail_pages.from_wire(request.args, {"user": "username", "what": "operation"},
                                      address_field="client_address")
    except trail_pages.TrailQueryError as exc:
        return error(400, "invalid_filter", str(exc))
    found = trail_pages.page(scim_audit.ScimChange._get_collection(), query)
    return jsonify(items=[scim_audit.as_row(doc) for doc in found])
