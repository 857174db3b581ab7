"""A post fetched from its origin on a user's request (the client API's search resolving a
status URL: docs.joinmastodon.org/methods/search/#v2 ``resolve``), kept as if received.

The GET is signed as the user (fedkit/protocol/actors.py ``fetch_json``), so the origin
decides what they may have — a followers-only post only for its follower — through the
SSRF guard and the federation policy; what comes back must be a post at that very id, by
an author of that origin (fedkit.rules.authority.same_origin). Stored, it is read like any
received object: only as the visibility policy lets each requester see it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, g, jsonify

from fedkit.contracts import inbox as contract
from fedkit.protocol.actors import FetchError, fetch_json
from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import ARTICLE, NOTE, PAGE, QUESTION, id_of, local_actor_id, type_of
from fedkit.rules.federation_policy import admit_object
from fedkit.rules.policy import viewer_of
from fedkit.runtime.responses import error
from services.inbox import search_events
from services.inbox.models import ReceivedObject
from services.inbox.objects import attributed_to, same_origin, store_object
from services.inbox.reading import viewer_may_see, without_hidden

log = logging.getLogger(__name__)
bp = Blueprint("inbox_fetched_objects", __name__)

POST_TYPES = (NOTE, ARTICLE, PAGE, QUESTION)


def _not_found(why: str):
    return error(404, "not_found", why)


def _held(url: str) -> ReceivedObject | None:
    """A post this node holds whose id — or web page (``url``, which people copy from a
    browser: Mastodon's ``https://host/@user/123``) — is ``url``."""
    return ReceivedObject.objects(object_id=url).first() or \
        ReceivedObject.objects(deleted=False).filter(__raw__={"raw.url": url}).first()


def _fetched_post(url: str, config, as_actor: str) -> dict | None:
    """The post at ``url`` as its origin gives it to ``as_actor``; a web page's post is
    fetched again at its id, on the same origin (Mastodon's FetchResourceService)."""
    fetched = fetch_json(url, config, as_actor=as_actor)
    object_id = id_of(fetched)
    if object_id and object_id != url and same_origin(object_id, url):
        fetched = fetch_json(object_id, config, as_actor=as_actor)
    author = attributed_to(fetched)
    if type_of(fetched) not in POST_TYPES or id_of(fetched) != object_id or not author \
            or not same_origin(author, object_id):
        return None
    return fetched


@bp.post(contract.OBJECT_RESOLVE)
def resolve():
    """``{"id", "fetch"}``: the post at that URL (its id or its web page) for the requesting
    user — held already, or (``fetch``) fetched as them and kept — if they may see it; 404
    alike for missing, refused and hidden."""
    config = current_app.config["ARCHIPEL"]
    asked = request_json(required=False)
    url, user = asked.get("id"), g.requester.user
    if not user or not isinstance(url, str) or not url.startswith(("https://", "http://")) \
            or is_local(url, config.base_url):
        return _not_found("not a remote post")
    viewer = viewer_of(g.requester, config)
    found = _held(url)
    if found is None:
        if asked.get("fetch") is not True:
            return _not_found("not held here")
        try:
            fetched = _fetched_post(url, config, local_actor_id(config.base_url, user))
        except FetchError as exc:
            log.info("cannot resolve %s: %s", url, exc.code)
            return _not_found("the origin did not give it")
        admitted = admit_object(fetched, config) if fetched else None
        if admitted is None:
            return _not_found("not a post of that origin, or its server is refused")
        found = _held(id_of(admitted))
        if found is None:
            found = store_object(admitted)
            search_events.indexed([found], config)  # found by its words from now on
    if found.deleted or not viewer_may_see(found.raw, viewer):
        return _not_found("no such post")
    return jsonify(without_hidden(found.raw))
