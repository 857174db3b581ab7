"""SCIM Users kept as identity's ``Account`` documents: the scim2-server storage.

Mapping (one account, one SCIM User; the account row is never removed):

- ``id`` and ``userName`` = ``Account.username`` (lowercased; fixed once created);
- ``externalId`` = ``Account.subject`` when the account belongs to the group's
  identity provider (``Account.issuer`` = ``scim_issuer``); an account without
  ``externalId`` is a local one (issuer ``local``, subject = username), as
  ``accounts.create_account`` makes them;
- ``displayName`` and ``name.formatted`` = ``Account.display_name`` (the actor's
  ``name``): the one the request changed wins, ``displayName`` when both did; at
  creation without either, ``name.givenName name.familyName``;
- ``active`` = not ``Account.suspended``; a flip calls ``lifecycle.deactivate`` /
  ``lifecycle.reactivate``, which do everything closure or reopening means;
- every other attribute of the published schema (emails, title, the enterprise
  extension...) is kept as given, JSON in ``Account.scim_attributes``;
- DELETE deactivates the account, then marks it ``scim_deleted``: the SCIM resource
  is gone (404) and its username is never given again (409 on a new POST).

``meta.version`` is a digest of the resource, so a change made elsewhere (a Person
Update, a moderator's suspension) changes it too; an update is written only if the
stored account is still the one the request started from (else 412).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from flask import has_request_context, request
from mongoengine.errors import NotUniqueError, ValidationError
from scim2_models import (
    InvalidValueException,
    MutabilityException,
    NotFoundException,
    PreconditionFailedException,
    Resource,
    ResourceType,
    ResponseParameters,
    SCIMException,
    ScimFilter,
    ScimPolicy,
    SearchRequest,
    UniquenessException,
)
from scim2_models.path import CompareOperator, Comparison
from scim2_server.storage import ScimStorage, SearchPage

from fedkit.rules.registry import load_registry
from fedkit.runtime import clock
from fedkit.runtime.config import Config
from services.identity import directory_events, people_index, scim_audit
from services.identity.accounts import LOCAL_ISSUER, create_account
from services.identity.models import Account

log = logging.getLogger(__name__)

USER = "User"
NAME_LIMIT = 200  # as the Person name of a C2S Update (internal_api.update_profile)
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
NO_PROVIDER_ISSUER = "scim"
# Attributes kept on Account fields, not in Account.scim_attributes.
MAPPED = ("schemas", "id", "meta", "userName", "externalId", "displayName", "active")
# Stored attributes are read back leniently: one the schema no longer has is dropped.
STORED = ScimPolicy(unknown=ScimPolicy.Unknown.ignore)
USERNAME_RULE = "userName must be 1 to 64 of a-z 0-9 _ . - and not start with . or -"


def scim_issuer(config: Config) -> str:
    """The issuer of the accounts the directory links to the group's identity provider.

    The registry names the provider by its discovery URL; by OpenID Connect Discovery
    (section 4.3) that URL is the issuer followed by ``/.well-known/openid-configuration``,
    and the issuer is what sign-in (sso.py) keys accounts by (the ID token's ``iss``),
    so a provisioned account is the one its owner signs in to."""
    discovery = load_registry(config).identity_provider
    if not discovery:
        return NO_PROVIDER_ISSUER
    return discovery[: -len(DISCOVERY_SUFFIX)] if discovery.endswith(DISCOVERY_SUFFIX) else discovery


def _lifecycle():
    """services.identity.lifecycle (deactivate/reactivate): what closing or reopening means."""
    from services.identity import lifecycle

    return lifecycle


def _profile_updates():
    """services.identity.profile_updates (announce): the group hears of a profile change."""
    from services.identity import profile_updates

    return profile_updates


class NotAnnounced(SCIMException):
    """lifecycle.AnnounceError: the change is in force on this node but the group was not
    told yet; the directory retries the same request, which announces it."""

    status = 503
    _default_detail = "the change is in force here but not yet announced to the group; retry"


def _client_address() -> str | None:
    return request.remote_addr if has_request_context() else None  # the gateway's X-Forwarded-For


def _version(data: dict) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return f'W/"{digest[:24]}"'


def _given_family(resource: Resource) -> str:
    name = getattr(resource, "name", None)
    if name is None:
        return ""
    return " ".join(part for part in (name.given_name, name.family_name) if part)


def _formatted(resource: Resource | None) -> str:
    name = getattr(resource, "name", None)
    return (name.formatted or "") if name is not None else ""


def _display_name(resource: Resource, current: Resource | None) -> str:
    """The account's display name after a write of ``resource`` over ``current``."""
    new_display, new_formatted = resource.display_name or "", _formatted(resource)
    if current is None:
        chosen = new_display or new_formatted or _given_family(resource)
    elif new_display != (current.display_name or ""):
        chosen = new_display
    elif new_formatted != _formatted(current):
        chosen = new_formatted
    else:
        chosen = current.display_name or ""
    return chosen[:NAME_LIMIT]


def _stored_attributes(resource: Resource) -> str | None:
    """The attributes kept as given: everything but what Account fields hold."""
    data = resource.model_dump(mode="json")
    for key in MAPPED:
        data.pop(key, None)
    name = {k: v for k, v in (data.pop("name", None) or {}).items() if k != "formatted"}
    if name:
        data["name"] = name
    return json.dumps(data, sort_keys=True) if data else None


def _node_roles(resource: Resource) -> list[str] | None:
    """The node roles the directory gives in the User's ``roles`` (RFC 7643 §4.1.2: their
    ``value``s), so a change reaches the node at once and not only at the next sign-in;
    None when the request carries no roles (for a directory that never sends them, the
    ID token's claim at sign-in stays the only source)."""
    from services.identity.oidc import KNOWN_ROLES

    roles = getattr(resource, "roles", None)
    if roles is None:
        return None
    return [r.value for r in roles if getattr(r, "value", None) in KNOWN_ROLES]


def _changed_attributes(before: Resource, after: Resource) -> set[str]:
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return {key for key in set(old) | set(new)
            if key not in ("meta", "schemas", "active") and old.get(key) != new.get(key)}


class AccountStorage(ScimStorage):
    """Users of the node, read from and written to the ``accounts`` collection."""

    def __init__(self, config: Config, model: type[Resource[Any]]):
        self.config = config
        self.model = model

    # -- conversion ---------------------------------------------------------------

    def to_resource(self, account: Account) -> Resource[Any]:
        data: dict[str, Any] = json.loads(account.scim_attributes) if account.scim_attributes else {}
        name = dict(data.get("name") or {})
        if account.display_name:
            data["displayName"] = account.display_name
            name["formatted"] = account.display_name
        if name:
            data["name"] = name
        data.update(id=account.username, userName=account.username, active=not account.suspended)
        if account.issuer == scim_issuer(self.config):
            data["externalId"] = account.subject
        version = _version(data)
        created = account.created_at
        data["meta"] = {"resourceType": USER, "created": created,
                        "lastModified": account.scim_modified_at or created, "version": version}
        return self.model.model_validate(data, scim_policy=STORED)

    def _identity(self, external_id: str | None, username: str) -> tuple[str, str]:
        """(issuer, subject) of an account with this externalId (none: a local account)."""
        if external_id:
            return scim_issuer(self.config), external_id
        return LOCAL_ISSUER, username

    # -- reads ----------------------------------------------------------------------

    @staticmethod
    def _listed():
        return Account.objects(scim_deleted__ne=True)

    def _account(self, resource_id: str | None) -> Account:
        account = self._listed().filter(username=resource_id or "").first()
        if account is None:
            raise NotFoundException(detail=f"User {resource_id!r} not found")
        return account

    @staticmethod
    def _check_type(resource_type: ResourceType) -> None:
        if resource_type.name != USER:
            raise NotFoundException(detail=f"no {resource_type.name} resources here")

    def get(self, resource_type: ResourceType, resource_id: str, *,
            response_parameters: ResponseParameters[Any] | None = None) -> Resource[Any]:
        self._check_type(resource_type)
        return self.to_resource(self._account(resource_id))

    def _candidates(self, scim_filter: ScimFilter[Any] | None):
        """The accounts a filter may match: one lookup for ``userName``/``id``/``externalId``
        equality (what directories send before creating), else every listed account."""
        listed = self._listed()
        node = scim_filter.ast if scim_filter is not None else None
        if isinstance(node, Comparison) and node.op == CompareOperator.eq and isinstance(node.value, str):
            binding = scim_filter.resolve_comparison(node.attr_path, strict=False)
            if binding is not None and binding.sub_field_name is None:
                if binding.field_name == "user_name":
                    return listed.filter(username=node.value.lower())
                if binding.field_name == "id":
                    return listed.filter(username=node.value)
                if binding.field_name == "external_id":
                    return listed.filter(issuer=scim_issuer(self.config), subject=node.value)
        return listed.order_by("username")

    def search(self, resource_types: list[ResourceType], search_request: SearchRequest[Any], *,
               position: Any = None) -> SearchPage:
        if not any(rt.name == USER for rt in resource_types):
            return SearchPage(0, [])
        start, count = search_request.start_index_0 or 0, search_request.count
        scim_filter = search_request.filter
        if scim_filter is None and search_request.sort_by is None:
            listed = self._listed()
            total = listed.count()
            if count == 0:
                return SearchPage(total, [])
            page = listed.order_by("username").skip(start)
            if count is not None:
                page = page.limit(count)
            return SearchPage(total, [self.to_resource(a) for a in page])

        resources = [self.to_resource(a) for a in self._candidates(scim_filter)]
        if scim_filter is not None:
            if not scim_filter.models:
                scim_filter = ScimFilter[self.model](str(scim_filter))
            resources = [r for r in resources if scim_filter.match(r)]
        resources = search_request.sort(resources)
        stop = None if count is None else start + count
        return SearchPage(len(resources), resources[start:stop])

    # -- writes ---------------------------------------------------------------------

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        self._check_type(resource_type)
        username = (resource.user_name or "").lower()
        if not Account._fields["username"].regex.match(username):
            raise InvalidValueException(detail=USERNAME_RULE)
        if Account.objects(username=username).first() is not None:
            raise UniquenessException(detail="this userName is taken (usernames are never reused)")
        issuer, subject = self._identity(resource.external_id, username)
        if resource.external_id and Account.objects(issuer=issuer, subject=subject).first() is not None:
            raise UniquenessException(detail="this externalId belongs to another account")
        try:
            account = create_account(self.config, username, display_name=_display_name(resource, None),
                                     issuer=issuer, subject=subject)
        except NotUniqueError:
            raise UniquenessException(detail="this userName or externalId is taken") from None
        except ValidationError as exc:
            raise InvalidValueException(detail=str(exc)) from None
        roles = _node_roles(resource)
        Account.objects(username=username).update_one(
            set__scim_attributes=_stored_attributes(resource), set__scim_modified_at=clock.now(),
            **({"set__roles": roles} if roles is not None else {}))
        scim_audit.record(scim_audit.CREATE, username, client_address=_client_address())
        if resource.active is False:
            self._set_status(account.reload(), active=False)
        directory_events.changed(self.config, username)
        return self.to_resource(self._account(username))

    def update(self, resource_type: ResourceType, resource: Resource[Any], *,
               expected_version: str | None = None) -> Resource[Any]:
        self._check_type(resource_type)
        account = self._account(resource.id)
        current = self.to_resource(account)
        if expected_version is not None and current.meta.version != expected_version:
            raise PreconditionFailedException
        if (resource.user_name or "").lower() != account.username:
            raise MutabilityException(attribute="userName", mutability="immutable",
                                      detail="userName is fixed once the account exists")
        issuer, subject = self._identity(resource.external_id, account.username)
        fields = {"issuer": issuer, "subject": subject, "display_name": _display_name(resource, current),
                  "scim_attributes": _stored_attributes(resource)}
        if any(getattr(account, key) != value for key, value in fields.items()):
            if (issuer, subject) != (account.issuer, account.subject) and \
                    Account.objects(issuer=issuer, subject=subject).first() is not None:
                raise UniquenessException(detail="this externalId belongs to another account")
            # Written only over the state this request started from (compare and set).
            unchanged = {key: getattr(account, key) for key in fields}
            try:
                written = self._listed().filter(username=account.username, **unchanged).update_one(
                    **{f"set__{key}": value for key, value in fields.items()}, set__scim_modified_at=clock.now())
            except NotUniqueError:
                raise UniquenessException(detail="this externalId belongs to another account") from None
            if not written:
                raise PreconditionFailedException(detail="the account changed meanwhile; read it again")
            scim_audit.record(scim_audit.UPDATE, account.username, client_address=_client_address(),
                              attributes=_changed_attributes(current, self.to_resource(account.reload())))
            if resource.active is not False:  # a closure announces itself
                _profile_updates().announce(self.config, account.reload())
        roles = _node_roles(resource)
        if roles is None and getattr(current, "roles", None):
            roles = []  # the directory, which gave roles, took them all away
        if roles is not None and roles != list(account.reload().roles or []):
            Account.objects(username=account.username).update_one(set__roles=roles, set__scim_modified_at=clock.now())
        # active absent (a PUT that leaves it out) keeps the account's status.
        if resource.active is not None:
            self._set_status(account.reload(), active=resource.active)
        people_index.indexed(self.config, account.username)
        directory_events.changed(self.config, account.username)
        return self.to_resource(self._account(account.username))

    def delete(self, resource_type: ResourceType, resource_id: str, *,
               expected_version: str | None = None) -> None:
        self._check_type(resource_type)
        account = self._account(resource_id)
        if expected_version is not None and self.to_resource(account).meta.version != expected_version:
            raise PreconditionFailedException
        # Closed first: if that fails the resource is still there for the directory to retry.
        self._set_status(account, active=False, record=False)
        self._listed().filter(username=account.username).update_one(
            set__scim_deleted=True, set__scim_modified_at=clock.now())
        people_index.indexed(self.config, account.username)
        directory_events.changed(self.config, account.username)
        scim_audit.record(scim_audit.DELETE, account.username, client_address=_client_address())

    def settle(self, resource_id: str) -> None:
        """Announce a status change still unannounced (a PUT or PATCH that changes nothing,
        such as the directory's retry of ``active: false``, does not reach ``update``)."""
        account = self._account(resource_id)
        if account.suspension_unannounced:
            self._set_status(account, active=not account.suspended, record=False)

    def _set_status(self, account: Account, *, active: bool, record: bool = True) -> None:
        """Close or reopen the account through lifecycle.py when its status must change, or
        when the last change is not announced yet (a retry announces it)."""
        if active != account.suspended and not account.suspension_unannounced:
            return
        changed = active == account.suspended
        lifecycle = _lifecycle()
        try:
            (lifecycle.reactivate if active else lifecycle.deactivate)(self.config, account, by="scim")
        except lifecycle.AnnounceError as exc:
            raise NotAnnounced(detail=str(exc)) from None
        finally:
            if changed and record and Account.objects(username=account.username,
                                                     suspended=not active).first() is not None:
                scim_audit.record(scim_audit.REACTIVATE if active else scim_audit.DEACTIVATE,
                                  account.username, client_address=_client_address())
