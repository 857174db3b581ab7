"""What the inbox knows of posts, for the usage observatory (gateway/usage_sources.py):
each post's addressees (which community it went to) and who replied to it (a question
left unanswered has no reply from anyone but its author)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from fedkit.contracts.usage import INBOX_OBJECTS, MAX_IDS
from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.vocab import audience_of
from fedkit.runtime.responses import error
from services.inbox.models import ReceivedObject

bp = Blueprint("inbox_usage", __name__)


@bp.post(INBOX_OBJECTS)
def objects():
    data = request_json(required=False)
    ids = data.get("ids") if isinstance(data, dict) else None
    if not isinstance(ids, list) or len(ids) > MAX_IDS or not all(isinstance(i, str) for i in ids):
        return error(400, "invalid_ids", f"ids: a list of at most {MAX_IDS} object ids")
    found = {o.object_id: {"addressees": audience_of(o.raw), "repliers": []}
             for o in ReceivedObject.objects(object_id__in=ids).only("object_id", "raw")}
    for reply in ReceivedObject.objects(in_reply_to__in=ids, deleted=False).only("in_reply_to", "attributed_to"):
        if reply.in_reply_to in found and reply.attributed_to:
            found[reply.in_reply_to]["repliers"].append(reply.attributed_to)
    return jsonify(objects=found)
