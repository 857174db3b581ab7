"""SCIM 2.0 provisioning (RFC 7643/7644) at ``/scim/v2``: the group's directory
creates, updates, deactivates and deletes this node's accounts.

The protocol is scim2-server's: its ``WSGIApplication`` (authentication hook, error
responses), ``ScimService`` (validation, PUT/PATCH semantics, filters, ETags) and
``ScimHandler`` serve each request, over ``AccountStorage`` (scim_backend.py), which
keeps the Users in the ``accounts`` collection. This module adapts a Flask request
to a ``ScimRequest`` (so the internal-secret guard of the service still applies),
lowercases ``userName`` in requests, lets a PUT or PATCH that changes nothing still
announce a closure lifecycle.py could not announce before (the directory's retry), and
describes what the node serves:

- ``Users`` with the RFC 7643 User schema and the enterprise extension, except
  ``password`` (sign-in is the identity provider's) and ``groups`` (no Groups here);
  ``userName`` is *immutable* (it is the actor's permanent name) and ``active`` is
  *required* (every account has a status; a creation without it is active, a PUT
  without it keeps the current status);
- Archipel's mobility extension (``MOBILITY_SCHEMA``): ``movedFrom`` (given at creation on
  the new node: the person's actor on their old node) and ``movedTo`` (set on the old node:
  the actor on the new one), which move the account (services/identity/mobility.py);
- filtering, sorting and ETags; PATCH; no bulk, no password change, no cursors.

Authentication: ``Authorization: Bearer <ARCHIPEL_SCIM_TOKEN>``; the gateway passes
``/scim/v2`` through without checking the token (gateway/routes.py, ``SERVICE``
mode). An empty token turns SCIM off: every path answers 404.
"""

from __future__ import annotations

import functools
import hmac
import json
import operator
import threading
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    EnterpriseUser,
    ETag,
    Extension,
    Filter,
    Mutability,
    NotFoundException,
    Patch,
    Required,
    Resource,
    ResourceType,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
    User,
)
from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import SCIM_MEDIA_TYPE
from scim2_server.service import ScimService

from fedkit.protocol import jsonbody
from fedkit.runtime.config import Config
from services.identity.scim_backend import AccountStorage
from services.identity.scim_mobility import Mobility

PREFIX = "/scim/v2"
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
MAX_RESULTS = 200
USERNAME_PATHS = ("username", "urn:ietf:params:scim:schemas:core:2.0:user:username")

bp = Blueprint("scim", __name__)
_lock = threading.Lock()


# -- what the node serves -------------------------------------------------------------

def user_model() -> type[Resource[Any]]:
    """The RFC 7643 User, as this node keeps it (see the module docstring)."""
    schema = User.to_schema()
    attributes = []
    for attribute in schema.attributes:
        if attribute.name in ("password", "groups"):
            continue
        if attribute.name == "userName":
            attribute = attribute.model_copy(update={
                "mutability": Mutability.immutable,
                "description": "The account's username, its actor's permanent name: lowercase "
                               "a-z 0-9 _ . - (64 at most), fixed once created, never reused."})
        elif attribute.name == "active":
            attribute = attribute.model_copy(update={
                "required": Required.true,
                "description": "false closes the account at once on every node (tokens revoked, "
                               "actor gone); true reopens it. Absent at creation: true."})
        attributes.append(attribute)
    return Resource.from_schema(schema.model_copy(update={"attributes": attributes}))


def build_provider(extensions: tuple[type[Extension], ...] = (EnterpriseUser, Mobility)) -> ScimProvider:
    """What the node serves; a client may be given fewer ``extensions`` (tests/e2e/test_scim.py)."""
    model = user_model()
    resource_type = ResourceType.from_resource(model[functools.reduce(operator.or_, extensions)]).model_copy(
        update={"description": "An employee's account on this node"})
    config = ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        authentication_schemes=[AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken, name="Bearer token",
            description="The node's SCIM secret (ARCHIPEL_SCIM_TOKEN) as a bearer token",
            primary=True)],
    )
    # Microsoft Entra's PATCH forms (a remove with a value, a filter that creates the entry).
    policy = ScimPolicy(remove_value_as_filter=ScimPolicy.RemoveValue.apply,
                        unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create)
    return ScimProvider(models=[model, *extensions], resource_types=[resource_type],
                        config=config, policy=policy)


# -- protocol adjustments -------------------------------------------------------------

def _get(data: dict, name: str) -> str | None:
    """The key of a JSON object naming an attribute (attribute names are case-insensitive)."""
    return next((key for key in data if key.lower() == name.lower()), None)


def _lower_username(data: dict) -> None:
    key = _get(data, "userName")
    if key and isinstance(data[key], str):
        data[key] = data[key].lower()


class ArchipelScimService(ScimService):
    """userName is compared and kept lowercase; ``active`` defaults as documented above."""

    def _payload(self, body: bytes, content_type: str | None) -> Any:
        return self.decode_body(body, content_type) if body.strip() else None

    def read_creation(self, resource_type, body, content_type):
        data = self._payload(body, content_type)
        if isinstance(data, dict):
            _lower_username(data)
            if _get(data, "active") is None:
                data["active"] = True
            body = json.dumps(data).encode()
        return super().read_creation(resource_type, body, content_type)

    def read_replacement(self, resource_type, body, content_type):
        data = self._payload(body, content_type)
        keep_status = False
        if isinstance(data, dict):
            _lower_username(data)
            if _get(data, "active") is None:
                data["active"], keep_status = True, True
            body = json.dumps(data).encode()
        resource = super().read_replacement(resource_type, body, content_type)
        if keep_status:
            resource.active = None  # AccountStorage.update leaves the status as it is
        return resource

    def read_patch(self, resource_type, body, content_type):
        data = self._payload(body, content_type)
        operations = data.get(_get(data, "Operations") or "Operations") if isinstance(data, dict) else None
        if isinstance(operations, list):
            for operation in operations:
                key = _get(operation, "value") if isinstance(operation, dict) else None
                if key is None:
                    continue
                path = operation.get(_get(operation, "path") or "path")
                if isinstance(path, str) and path.lower() in USERNAME_PATHS and isinstance(operation[key], str):
                    operation[key] = operation[key].lower()
                elif not path and isinstance(operation[key], dict):
                    _lower_username(operation[key])
            body = json.dumps(data).encode()
        return super().read_patch(resource_type, body, content_type)


class ArchipelScimHandler(ScimHandler):
    """A PUT or PATCH that changes nothing still announces a pending status change."""

    def replace_resource(self, resource_type, current, replacement, conditions):
        resource = super().replace_resource(resource_type, current, replacement, conditions)
        self.storage.settle(resource.id)
        return resource

    def patch_resource(self, resource_type, resource_id, patch_op, conditions):
        resource = super().patch_resource(resource_type, resource_id, patch_op, conditions)
        self.storage.settle(resource_id)
        return resource


class ArchipelScimApplication(WSGIApplication):
    """scim2-server's WSGI application, authenticated by the node's SCIM bearer secret."""

    def __init__(self, config: Config):
        provider = build_provider()
        model = provider.model_for("User")
        super().__init__(AccountStorage(config, model), provider, ArchipelScimService(provider))
        self.handler = ArchipelScimHandler(self.service, self.storage)
        self.config = config

    def check_auth(self, scim_request: ScimRequest) -> None:
        scheme, _, token = (scim_request.header("Authorization") or "").partition(" ")
        expected = self.config.scim_token.encode()
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
            raise UnauthorizedException(detail="a valid SCIM bearer token is required")

    def get_subject(self, scim_request: ScimRequest) -> Any:
        return "directory"


# -- Flask adapter --------------------------------------------------------------------

def _application(app: Flask) -> ArchipelScimApplication:
    with _lock:
        if "archipel_scim" not in app.extensions:
            app.extensions["archipel_scim"] = ArchipelScimApplication(app.config["ARCHIPEL"])
        return app.extensions["archipel_scim"]


def _send(status: int, body: dict | None, headers: dict[str, str]) -> Response:
    data = b"" if body is None else json.dumps(body).encode()
    return Response(data, status=status, headers=headers)


@bp.route(PREFIX, defaults={"path": ""}, methods=METHODS, strict_slashes=False)
@bp.route(f"{PREFIX}/<path:path>", methods=METHODS)
def scim(path: str):
    config: Config = current_app.config["ARCHIPEL"]
    if not config.scim_token:
        error = NotFoundException(detail="SCIM provisioning is not enabled on this node").to_error()
        return _send(404, error.model_dump(), {"Content-Type": SCIM_MEDIA_TYPE})
    body = request.get_data()
    if body.strip():
        try:
            jsonbody.loads(body)  # what could not be stored and read back is refused before the SCIM library
        except jsonbody.JSONInputError as exc:
            # RFC 7644 §3.12: a 400 whose scimType says malformed or unacceptable
            error = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400",
                     "scimType": "invalidSyntax" if exc.status == 400 else "invalidValue", "detail": str(exc)}
            return _send(400, error, {"Content-Type": SCIM_MEDIA_TYPE})
    application = _application(current_app)
    response = application.serve(ScimRequest(
        method=request.method, base_url=config.base_url + PREFIX, path="/" + path,
        query=request.args.to_dict(), headers=list(request.headers.items()), body=body,
    ))
    return _send(response.status.value, response.body, response.headers)
