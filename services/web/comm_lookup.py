"""Finding a community for the pages (no routes here): its handle in URLs — its slug on
this node, ``slug@host`` on another member node — its directory entry as the viewer may
see it, and its account in the client API."""

from __future__ import annotations

from flask import abort

from services.web.api_client import ApiError
from services.web.context import api, config
from services.web.manage_support import HANDLE  # the managers' pages name communities alike


def handle_of(item: dict) -> str:
    """The handle of a directory entry: its slug here, its acct elsewhere."""
    slug, _, host = str(item.get("acct", "")).partition("@")
    return slug if host.lower() == config().host.lower() else f"{slug}@{host}"


def checked(handle: str) -> tuple[str, str]:
    """(slug, acct) of a handle from a URL; 404 for anything else."""
    if not HANDLE.fullmatch(handle):
        abort(404)
    slug, _, host = handle.partition("@")
    return slug, f"{slug}@{host or config().host}"


def find(handle: str) -> dict | None:
    """The community's directory entry as the viewer may see it (None: none, or hidden).
    This node's listing answers for its own; the directory asks the other nodes."""
    slug, acct = checked(handle)
    local = acct.lower() == f"{slug}@{config().host}".lower()
    body = api().get("/communities" if local else "/communities/directory", q=slug).body
    items = body.get("items", []) if isinstance(body, dict) else []
    return next((i for i in items if isinstance(i, dict) and str(i.get("acct", "")).lower() == acct.lower()), None)


def account_of(acct: str) -> dict | None:
    """The community's account in the client API, or None while this node does not know a
    community of another node (it learns it when someone here joins)."""
    try:
        return api().get("/api/v1/accounts/lookup", acct=acct).body
    except ApiError as exc:
        if exc.status == 404:
            return None
        raise
