"""The outbox's internal endpoints for polls and edits: counting a vote on a local poll
(the inbox hands it here), and a local post's earlier versions (for the client API)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts import outbox as contract
from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.local_ids import local_username
from fedkit.rules.policy import viewer_kind
from fedkit.rules.registry import load_registry
from fedkit.runtime.internal import Requester, internal_client
from fedkit.runtime.responses import error
from services.outbox import polls, versions
from services.outbox.models import LocalObject
from services.outbox.objects import public_form
from services.outbox.posting import publish_as
from services.outbox.publishing import PublishError
from services.outbox.visibility import can_see

bp = Blueprint("outbox_polls", __name__)


@bp.post(contract.POLL_VOTE)
def vote():
    """Count one vote; then the poll's author sends an Update of the Question with the new
    totals to the poll's audience (readdressed as the poll, publishing.py). 200, or 422 with
    why the vote is refused."""
    data = request_json()
    fields = [data.get(k) if isinstance(data, dict) else None for k in ("question", "voter", "choice")]
    if not all(isinstance(f, str) and f for f in fields):
        return error(400, "invalid_request", "question, voter and choice are required")
    activity = data.get("activity") if isinstance(data.get("activity"), str) else None
    poll, refused = polls.count_vote(*fields, activity, sees=lambda found: _voter_sees(found, fields[1]))
    if poll is None:
        return error(422, refused, "the vote was not counted")
    author = local_username(poll.author, current_app.config["ARCHIPEL"].base_url)
    try:  # no data-loss prevention check: the votes are counts, the poll's text is unchanged
        publish_as(author, {"type": "Update", "object": {"id": poll.object_id}}, guard=False)
    except PublishError as exc:  # the author's account closed: counted, nobody told
        return jsonify(counted=True, published=False, reason=exc.code)
    return jsonify(counted=True, published=True)


def _voter_sees(found: LocalObject, voter: str) -> bool:
    """May the voter see the poll? The policy, with the voter as a verified signer (as their
    signed fetch of the poll would be asked)."""
    config = current_app.config["ARCHIPEL"]
    kind = viewer_kind(voter, None, config, load_registry(config))
    requester = Requester(signer=voter, user=None, scopes=frozenset(), viewer_kind=kind)
    return can_see(found.author, found.addressees, requester, config, internal_client())


@bp.get(contract.OBJECT_HISTORY)
def history():
    """A local object's earlier versions, oldest first, as ``GET /objects/<id>`` would show
    them to the same requester (404 alike for missing and hidden)."""
    config = current_app.config["ARCHIPEL"]
    found = LocalObject.objects(object_id=request.args.get("id", ""), deleted=False).first()
    if found is None or not can_see(found.author, found.addressees, g.requester, config, internal_client()):
        return error(404, "not_found", "no such object")
    return jsonify(items=[public_form(v) for v in versions.earlier_versions(found.object_id)])
