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
from services.inbox.models import ReceivedObject
from services.inbox.objects import attributed_to, same_origin, store_object
from services.inbox.reading import viewer_may_see, without_hidden

log = logging.getLogger(__name__)
bp = Blueprint("inbox_fetched_objects", __name__)

POST_TYPES = (NOTE, ARTICLE, PAGE, QUESTION)


def _not_found(why: str):
    return error(404, "not_found", why)


@bp.post(contract.OBJECT_RESOLVE)
def resolve():
    """``{"id"}``: the post at that URL for the requesting user — held already, or fetched
    as them and kept — if they may see it; 404 alike for missing, refused and hidden."""
    config = current_app.config["ARCHIPEL"]
    object_id = request_json(required=False).get("id")
    user = g.requester.user
    if not user or not isinstance(object_id, str) or not object_id.startswith(("https://", "http://")) \
            or is_local(object_id, config.base_url):
        return _not_found("not a remote post")
    viewer = viewer_of(g.requester, config)
    found = ReceivedObject.objects(object_id=object_id).first()
    if found is None:
        try:
            fetched = fetch_json(object_id, config, as_actor=local_actor_id(config.base_url, user))
        except FetchError as exc:
            log.info("cannot resolve %s: %s", object_id, exc.code)
            return _not_found("the origin did not give it")
        author = attributed_to(fetched)
        if type_of(fetched) not in POST_TYPES or id_of(fetched) != object_id or not author \
                or not same_origin(author, object_id):
            return _not_found("not a post of that origin")
        admitted = admit_object(fetched, config)
        if admitted is None:
            return _not_found("its server is refused")
        found = store_object(admitted)
    if found.deleted or not viewer_may_see(found.raw, viewer):
        return _not_found("no such post")
    return jsonify(without_hidden(found.raw))
