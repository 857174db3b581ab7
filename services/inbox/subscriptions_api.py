"""The inbox's internal endpoint for subscriptions (services/inbox/subscriptions.py), for the
client API's follow with ``notify``."""

from __future__ import annotations

from flask import Blueprint, jsonify

from fedkit.contracts import inbox as contract
from fedkit.protocol.jsonbody import request_json
from fedkit.runtime.responses import error
from services.inbox.subscriptions import set_notify

bp = Blueprint("inbox_subscriptions", __name__)


@bp.post(contract.FOLLOW_NOTIFY)
def follow_notify():
    """{follower, followee, notify}: subscribe ``follower`` to ``followee``'s new posts, or not."""
    data = request_json(required=False)  # a body that is no JSON object: its own 400
    follower, followee, notify = data.get("follower"), data.get("followee"), data.get("notify")
    if not (isinstance(follower, str) and follower and isinstance(followee, str) and followee
            and isinstance(notify, bool)):
        return error(400, "invalid_request", "follower, followee: actor ids; notify: a boolean")
    set_notify(follower, followee, notify)
    return jsonify(notifying=notify)
