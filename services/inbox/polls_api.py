"""The inbox's internal endpoints for polls and edits, for the client API: a local user's
own votes in a poll, and a received post's earlier versions."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts import inbox as contract
from fedkit.rules.policy import viewer_of
from fedkit.runtime.responses import error
from services.inbox import versions, votes
from services.inbox.models import ReceivedObject
from services.inbox.reading import viewer_may_see, without_hidden

bp = Blueprint("inbox_polls", __name__)


@bp.get(contract.OWN_VOTES)
def own_votes(username: str):
    return jsonify(choices=votes.own_votes(username, request.args.get("question", "")))


@bp.get(contract.OBJECT_HISTORY)
def history():
    """A received object's earlier versions, oldest first, if the requester may see it (the
    policy as for the object itself; 404 alike for missing and hidden)."""
    found = ReceivedObject.objects(object_id=request.args.get("id", ""), deleted=False).first()
    if found is None or not viewer_may_see(found.raw, viewer_of(g.requester, current_app.config["ARCHIPEL"])):
        return error(404, "not_found", "no such object")
    return jsonify(items=[without_hidden(v) for v in versions.earlier_versions(found.object_id)])
