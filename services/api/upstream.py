"""Every call the api service makes to another service of its node, in one place.

The api owns no protocol logic: it reads and writes through identity, inbox and outbox
over their internal HTTP APIs (with the node's internal secret, in-process in the compact
layout). Keeping every path here lets the calls move to the typed internal clients
(``fedkit/contracts/``) in one change.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import requests

from fedkit.internal import internal_client

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """Another service did not answer as its contract says (the api answers 503)."""

    def __init__(self, service: str, detail: str):
        super().__init__(f"the {service} service is not answering ({detail})")
        self.service = service


class Refused(Exception):
    """Another service refused the request (4xx): its status and error code."""

    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status = status
        self.code = code


def _call(method: str, service: str, path: str, *, missing_ok: bool = False, **kwargs):
    """The JSON answer of one internal call; None for a 404/410 when ``missing_ok``."""
    try:
        resp = internal_client().request(method, service, path, **kwargs)
    except requests.RequestException as exc:
        log.error("%s %s on %s failed: %s", method, path.split("?", 1)[0], service, type(exc).__name__)
        raise Unavailable(service, type(exc).__name__) from None
    if missing_ok and resp.status_code in (404, 410):
        return None
    if 400 <= resp.status_code < 500:
        try:
            code = resp.json().get("error") or "refused"
        except ValueError:
            code = "refused"
        raise Refused(resp.status_code, str(code))
    if resp.status_code >= 300:
        raise Unavailable(service, f"status {resp.status_code}")
    try:
        return resp.json()
    except ValueError:
        raise Unavailable(service, "not JSON") from None


def _name(username: str) -> str:
    return quote(username, safe="")


# -- identity ------------------------------------------------------------------------------
def local_person(username: str) -> dict | None:
    """A local account's AS2 Person, as identity serves it; None if unknown or closed."""
    return _call("GET", "identity", f"/users/{_name(username)}", missing_ok=True)


def local_account(username: str) -> dict | None:
    """Identity's internal view of a local account (locked, suspended, roles, summary)."""
    return _call("GET", "identity", f"/internal/accounts/{_name(username)}", missing_ok=True)


def app_of_token(token: str) -> dict | None:
    """The registered app that holds this access token; None for an unknown token."""
    return _call("POST", "identity", "/internal/apps/of-token", json={"token": token}, missing_ok=True)


def node_usage() -> dict:
    """What NodeInfo says of this node (``usage``: users, local posts)."""
    return _call("GET", "identity", "/nodeinfo/2.1")


# -- outbox --------------------------------------------------------------------------------
def remote_actor(actor: str) -> dict | None:
    """A remote actor's document (the node's cache, or fetched); None if not to be had."""
    return _call("GET", "outbox", "/internal/actors", params={"id": actor}, missing_ok=True)


def known_remote_actor(username: str, host: str) -> dict | None:
    """A remote actor this node already knows by its username and host, or None."""
    return _call("GET", "outbox", "/internal/actors/known", params={"username": username, "host": host},
                 missing_ok=True)


def statuses_count(actor: str) -> int:
    return int(_call("GET", "outbox", "/internal/stats", params={"author": actor}).get("posts", 0))


# -- inbox ---------------------------------------------------------------------------------
def follow_counts(actor: str) -> dict:
    """{"followers", "following", "follow_requests"} of an actor, as this node knows them."""
    return _call("GET", "inbox", "/internal/follows/counts", params={"actor": actor})


def follow_page(actor: str, which: str, *, limit: int, max_id: str | None = None,
                since_id: str | None = None, min_id: str | None = None) -> list[dict]:
    """One page of an actor's accepted followers or following, newest first:
    [{"actor": <uri>, "cursor": <opaque id>}]."""
    params = {"actor": actor, "which": which, "limit": limit, "max_id": max_id, "since_id": since_id,
              "min_id": min_id}
    return _call("GET", "inbox", "/internal/follows",
                 params={k: v for k, v in params.items() if v is not None})["items"]


def relationships(actor: str, others: list[str]) -> dict:
    """{other: {"following": state|None, "followed_by": state|None}} between ``actor``
    and each of ``others`` (state: "accepted" or "pending")."""
    return _call("GET", "inbox", "/internal/relationships", params={"actor": actor, "other": others})
