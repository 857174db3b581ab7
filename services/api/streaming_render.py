"""What the streaming server (services/streaming) sends, rendered by the api's own code as
the connected user: the same functions and the same requester (``g.requester``, from the
identity headers ``fedkit.contracts.as_reader`` builds) as the REST methods, so a stream
shows exactly what ``GET /api/v1/statuses/:id``, ``/timelines/home`` and
``/notifications/:id`` show that user. Paths: ``fedkit/contracts/api.py``."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from fedkit.contracts import api as contract
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import PUBLIC, as_list, audience_of, id_of
from fedkit.rules.audience import in_group_stream
from fedkit.rules.registry import load_registry
from services.api import ids, upstream
from services.api.auth import require_scope
from services.api.entities import (
    audiences,
    config,
    home_entity,
    notification_entity,
    status_entity,
    visible_object,
)
from services.api.errors import api_error, not_found

bp = Blueprint("streaming_render", __name__)


def _uri() -> str | None:
    uri = request.args.get("uri", "")
    return uri if 0 < len(uri) <= 2048 and uri.isprintable() else None


@bp.get(contract.STREAM_STATUS)
@require_scope("read", "read:statuses")
def stream_status():
    """A post as ``GET /api/v1/statuses/:id`` shows it, and the streams it belongs to:
    ``public`` as ``/timelines/public`` (``fedkit.rules.audience.in_group_stream``, the
    inbox's stream filter), ``local`` as ``?local=true`` (this node's posts to the public, the
    group or the node; the outbox's)."""
    uri = _uri()
    if uri is None:
        return api_error(400, "uri is required")
    obj = visible_object(uri)
    entity = status_entity(obj) if obj else None
    if entity is None:
        return not_found("no such status")
    node = audiences()
    addressed = set(audience_of(obj))
    author = next((id_of(a) for a in as_list(obj.get("attributedTo")) if id_of(a)), None)
    return jsonify(status=entity, public=in_group_stream(obj, author, load_registry(config())),
                   local=is_local(uri, config().base_url) and bool(addressed & {PUBLIC, node.group, node.node}))


@bp.get(contract.STREAM_HOME)
@require_scope("read:statuses")
def home_entry(seq: str):
    """The home timeline's entry with this inbox cursor, read as ``/timelines/home`` reads
    it (the page just newer than ``seq - 1``); 404 when that page does not start with it."""
    if not seq.isdigit() or len(seq) > 20:
        return not_found("no such entry")
    items = upstream.home(limit=1, min_id=str(int(seq) - 1))
    entity = home_entity(items[0]["activity"]) if items and items[0]["cursor"] == seq else None
    return jsonify(entity) if entity else not_found("no such entry")


@bp.get(contract.STREAM_NOTIFICATION)
@require_scope("read:notifications")
def notification(number: str):
    item = upstream.notification(number)
    entity = notification_entity(item) if item else None
    return jsonify(entity) if entity else not_found("no such notification")


@bp.get(contract.STREAM_STATUS_ID)
@require_scope("read", "read:statuses")
def status_id():
    uri = _uri()
    number = ids.given_status_id(uri) if uri else None
    return jsonify(id=number) if number else not_found("no such status")
