"""The declared contracts between the services of one node.

Services never import each other (import-linter checks it, [tool.importlinter] in
pyproject.toml); they talk over internal HTTP. Each module here is one service's
contract: its internal paths as constants — Flask rules, which the server routes on
— and a typed client with one method per endpoint, which every caller uses. A path
is written once, here (``deploy/lint_contracts.py`` fails on one written elsewhere).

The clients ride on the node's transport, ``fedkit.runtime.internal.InternalClient``: real
HTTP in the split layout, in-process WSGI calls in the compact one (fedkit.runtime.inproc).
"""

from __future__ import annotations

import re
from typing import Any, Protocol
from urllib.parse import quote

import requests

from fedkit.runtime.internal import identity_headers

_VARIABLE = re.compile(r"<(?:[^:<>]+:)?(\w+)>")  # <name> or <converter:name> in a Flask rule


def path_of(rule: str, **values: str) -> str:
    """The path a Flask ``rule`` gives for ``values`` (each quoted as one segment)."""
    return _VARIABLE.sub(lambda m: quote(str(values[m.group(1)]), safe="@"), rule)


class Transport(Protocol):
    """What a contract's client needs of ``fedkit.runtime.internal.InternalClient``."""

    def request(self, method: str, service: str, path: str, **kwargs: Any) -> requests.Response: ...

    def get_json(self, service: str, path: str, **kwargs: Any) -> Any: ...

    def post_json(self, service: str, path: str, payload: Any, **kwargs: Any) -> Any: ...


def as_reader(user: str | None, scopes) -> dict[str, str]:
    """The identity headers of a request made for a local user (their username and token
    scopes; none: anonymous), so the service asks the visibility policy about them exactly
    as it does for their own requests."""
    if not user:
        return identity_headers(viewer="anonymous")
    return identity_headers(user=user, scopes=" ".join(sorted(scopes)), viewer="local")


def json_if_ok(resp: requests.Response) -> Any | None:
    """The answer's JSON when it is a 200, else None (a not-found, or a refusal)."""
    return resp.json() if resp.status_code == 200 else None


def object_as_reader(transport: Transport, service: str, path: str, object_id: str,
                     reader_headers: dict[str, str]) -> tuple[int, dict | None]:
    """An object a service holds, as the reader the identity headers name may see it (the
    inbox's and the outbox's ``OBJECT`` endpoints answer alike): (200, object), (410,
    Tombstone) once deleted, (404, None) when the service does not know it or hides it from
    them; a 5xx raises."""
    resp = transport.request("GET", service, path, params={"id": object_id}, headers=reader_headers)
    if resp.status_code in (200, 410):
        return resp.status_code, resp.json()
    if resp.status_code != 404:
        resp.raise_for_status()
    return 404, None


def posts_page(transport: Transport, service: str, path: str, *, user: str | None, scopes=(),
               author: str | None = None, stream: bool = False, exclude_replies: bool = False,
               limit: int = 20, max_id: str | None = None, since_id: str | None = None,
               min_id: str | None = None) -> list[dict] | None:
    """One page of a service's posts as ``user`` may see them (the inbox's and the outbox's
    ``posts`` endpoints take the same query): [{"object", "cursor"}]; None when a cursor is
    not one that service gave out (it answers 400)."""
    params = {"author": author, "stream": "1" if stream else None,
              "exclude_replies": "1" if exclude_replies else None, "limit": limit, "max_id": max_id,
              "since_id": since_id, "min_id": min_id}
    return get_page(transport, service, path, params, headers=as_reader(user, scopes))


def get_page(transport: Transport, service: str, path: str, params: dict, *,
             headers: dict | None = None, hidden_is_empty: bool = False) -> list[dict] | None:
    """GET one page of a service's ``{"items": [...]}`` collection. Parameters that are None,
    empty or zero are left out. None when the service refused a cursor it never gave out
    (400); ``hidden_is_empty``: a 404 (the collection is hidden from this reader) is []."""
    sent = {k: v for k, v in params.items() if v not in (None, [], "", 0)}
    resp = transport.request("GET", service, path, params=sent, headers=headers)
    if resp.status_code == 400:
        return None
    if hidden_is_empty and resp.status_code == 404:
        return []
    resp.raise_for_status()
    return list(resp.json()["items"])
