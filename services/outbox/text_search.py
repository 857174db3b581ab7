"""Which of this node's posts a text names, for the inbox's status search
(services/inbox/search_api.py): the outbox alone holds a local post's text (its one copy,
``local_objects``), so it matches it, with the node's one text matcher
(fedkit/protocol/text_match.py). It answers ids only: who may see them the inbox decides."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from fedkit.contracts import outbox as contract
from fedkit.protocol.text_match import text_filter
from fedkit.runtime.responses import error
from services.outbox.models import LocalObject

bp = Blueprint("outbox_text_search", __name__)

MAX_QUERY, MAX_IDS = 200, 2000


@bp.get(contract.LOCAL_MATCHING)
def matching():
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    raw_limit = request.args.get("limit", "200")
    if not query or not (raw_limit.isascii() and raw_limit.isdigit()):
        return error(400, "invalid_request", "q and a numeric limit are required")
    found = LocalObject.objects(deleted=False).filter(__raw__=text_filter(query)).order_by("-created_at")
    return jsonify(ids=[o.object_id for o in found.only("object_id").limit(max(1, min(int(raw_limit), MAX_IDS)))])
