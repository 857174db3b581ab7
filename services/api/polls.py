"""Polls (docs.joinmastodon.org/methods/polls/): show one, vote in one.

A poll is a Question the requester may see, named by its status's id. A vote is what
Mastodon sends: one Create of a Note per chosen option (``name``: the option's title,
``inReplyTo``: the Question), addressed to the poll's author only, published through the
outbox like every other write; the author's node counts it and sends the new totals."""

from __future__ import annotations

from flask import Blueprint, g, jsonify

from fedkit.protocol import polls
from fedkit.protocol.vocab import CREATE, NOTE, id_of
from fedkit.runtime.clock import now
from services.api import ids, polling, upstream
from services.api.auth import require_scope
from services.api.entities import author_of, visible_object
from services.api.entities import me as _me
from services.api.errors import api_error, not_found
from services.api.params import params

bp = Blueprint("polls", __name__)


def _poll(poll_id: str) -> tuple[str | None, dict | None]:
    uri = ids.uri_of_status(poll_id)
    obj = visible_object(uri) if uri else None
    return (uri, obj) if obj is not None and polls.is_poll(obj) else (uri, None)


@bp.get("/api/v1/polls/<poll_id>")
def show(poll_id: str):
    _, obj = _poll(poll_id)
    return jsonify(polling.poll_entity(obj, poll_id)) if obj else not_found("no such poll")


def _choices(data: dict, count: int) -> list[int] | None:
    raw = data.get("choices")
    raw = raw if isinstance(raw, list) else [raw] if raw is not None else []
    out = []
    for value in raw:
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 4:
            value = int(value.strip())
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
            return None
        out.append(value)
    return sorted(set(out)) or None


@bp.post("/api/v1/polls/<poll_id>/votes")
@require_scope("write:statuses")
def vote(poll_id: str):
    """Mastodon's VoteValidator: choices among the options, one only unless the poll is
    multiple-choice, not after the end, once, and not in one's own poll (422 otherwise)."""
    uri, obj = _poll(poll_id)
    if obj is None:
        return not_found("no such poll")
    poll = polling.poll_entity(obj, poll_id)
    choices = _choices(params(), len(poll["options"]))
    if choices is None:
        return api_error(422, "Validation failed: Choices must be indices of the poll's options")
    if len(choices) > 1 and not poll["multiple"]:
        return api_error(422, "Validation failed: This poll allows only one choice")
    if polls.expired(obj, now()):
        return api_error(422, "Validation failed: The poll has already ended")
    author = author_of(obj)
    if author == _me():
        return api_error(422, "Validation failed: You cannot vote in your own poll")
    if poll["voted"]:
        return api_error(422, "Validation failed: You have already voted on this poll")
    for index in choices:
        note = {"type": NOTE, "name": poll["options"][index]["title"], "inReplyTo": id_of(obj), "to": [author]}
        published = upstream.publish(g.requester.user, {"type": CREATE, "object": note, "to": [author]})
        if published.status != 201:
            body = published.body
            return api_error(published.status if 400 <= published.status < 600 else 422,
                             body.get("error_description") or body.get("error") or "the vote was refused")
    return jsonify(polling.as_voted(poll, choices))
