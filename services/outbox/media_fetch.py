"""A remote attachment fetched for a local user (the client API's media proxy).

A followers-only post's file on another node is served there only to a reader the post's
audience admits (services/api/media_access.py on that node checks a signed GET against
it). The api cannot sign, so it asks here: the GET is signed as the user (an actor-level
signature, as ``/proxy``), passes the SSRF guard, and the body is capped at the node's
media limit. What comes back is relayed as bytes; the api checks what they are before it
serves them."""

from __future__ import annotations

import time

import requests
from flask import Blueprint, Response, current_app, request

from fedkit.contracts import outbox as contract
from fedkit.protocol.vocab import local_actor_id
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime import keystore
from fedkit.runtime.http import read_capped, signed_get
from fedkit.runtime.responses import error

bp = Blueprint("outbox_media_fetch", __name__)


@bp.get(contract.REMOTE_MEDIA)
def remote_media(username: str):
    config = current_app.config["ARCHIPEL"]
    url = request.args.get("url", "")
    if not url.startswith(("https://", "http://")):
        return error(400, "invalid_url", "give the attachment's http(s) url")
    try:
        key_id, private_pem = keystore.signing_key(local_actor_id(config.base_url, username))
    except LookupError:
        return error(404, "not_found", "no such local actor")
    try:
        resp = signed_get(url, config, key_id=key_id, private_pem=private_pem, accept="*/*")
        if resp.status_code != 200:
            resp.close()
            return error(404, "not_found", f"the origin answered {resp.status_code}")
        body = read_capped(resp, config.media_max_bytes, deadline=time.monotonic() + config.http_timeout)
    except UnsafeURL as exc:
        return error(400, "unsafe_url", str(exc))
    except (requests.RequestException, UnicodeError) as exc:
        return error(502, "unreachable", f"cannot fetch: {type(exc).__name__}")
    if body is None:
        return error(404, "too_large", "the file is larger than this node's media limit")
    return Response(body, mimetype=resp.headers.get("Content-Type", "application/octet-stream"))
