"""The review of posts the data-loss prevention guard held (dlp_guard.py).

Node administrators (role ``node_admin``) review held posts:

    GET  /api/archipel/held[?state=held|released|rejected|failed|all]   admins: every author's; others: their own
    GET  /api/archipel/held/<id>                 the author or an admin (404 for anyone else)
    POST /api/archipel/held/<id>/release         admin: published as the author now, then fanned out
    POST /api/archipel/held/<id>/reject          admin, {"reason"}: never published

The author gets a notice from the node's instance actor in their inbox on either decision.
"""

from __future__ import annotations

import html
import json
import uuid

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.jsonbody import request_json, string_value
from fedkit.protocol.vocab import (
    CREATE,
    NOTE,
    activity_url,
    instance_actor_id,
    local_actor_id,
    object_url,
)
from fedkit.runtime.clock import iso
from fedkit.runtime.config import Config
from fedkit.runtime.db import ACKNOWLEDGED
from fedkit.runtime.internal import internal_client, require_user
from fedkit.runtime.queue import enqueue
from fedkit.runtime.responses import error
from services.outbox.dlp_guard import held_json
from services.outbox.fanout import FANOUT, QUEUE
from services.outbox.models import (
    HELD,
    HELD_POST,
    REJECTED,
    RELEASE_FAILED,
    RELEASED,
    RELEASING,
    HeldPost,
    OutboxActivity,
    now,
)
from services.outbox.posting import publish_as
from services.outbox.publishing import PublishError

bp = Blueprint("held", __name__)
ADMIN_ROLE = "node_admin"
STATES = HELD_POST.states  # declared in models.py
LIST_LIMIT = 200


# -- review ------------------------------------------------------------------------------------

def _config() -> Config:
    return current_app.config["ARCHIPEL"]


def _is_admin(username: str) -> bool:
    account = IdentityClient(internal_client()).active_account(username)
    return account is not None and ADMIN_ROLE in account.roles


def _visible(held_id: str) -> tuple[HeldPost | None, bool]:
    """The held post if the requester is its author or an admin (else None), and whether
    the requester is an admin."""
    admin = _is_admin(g.requester.user)
    found = HeldPost.objects(held_id=held_id).first()
    if found is None or not (admin or found.username == g.requester.user):
        return None, admin
    return found, admin


def _not_found():
    return error(404, "not_found", "no such held post")


@bp.get("/api/archipel/held")
@require_user("read:statuses")
def list_held():
    state = request.args.get("state", HELD)
    if state not in (*STATES, "all"):
        return error(400, "invalid_state", f"state: one of {', '.join(STATES)} or all")
    query = HeldPost.objects() if state == "all" else HeldPost.objects(state=state)
    admin = _is_admin(g.requester.user)
    if not admin:
        query = query.filter(username=g.requester.user)
    config = _config()
    items = [held_json(h, config) for h in query.order_by("-created_at").limit(LIST_LIMIT)]
    return jsonify(items=items, reviewer=admin)


@bp.get("/api/archipel/held/<held_id>")
@require_user("read:statuses")
def get_held(held_id: str):
    found, _ = _visible(held_id)
    if found is None:
        return _not_found()
    return jsonify(held_json(found, _config()))


def _decide(held_id: str):
    """(held post claimed for a decision, None) or (None, error response)."""
    found, admin = _visible(held_id)
    if found is None:
        return None, _not_found()
    if not admin:
        return None, error(403, "forbidden", f"reviewing held posts needs the role {ADMIN_ROLE}")
    # Claimed by a compare-and-set on its state: of two decisions at once, one wins.
    if found.state != HELD or not HELD_POST.move(
            found, RELEASING, decided_by=local_actor_id(_config().base_url, g.requester.user), decided_at=now()):
        return None, error(409, "conflict", f"this post is already {found.state}")
    return found, None


@bp.post("/api/archipel/held/<held_id>/release")
@require_user("write:statuses")
def release(held_id: str):
    held, failure = _decide(held_id)
    if failure:
        return failure
    config = _config()
    if IdentityClient(internal_client()).active_account(held.username) is None:  # closed or suspended meanwhile: nothing goes out in their name
        HELD_POST.move(held, HELD, unset=("decided_by", "decided_at"))
        return error(409, "author_unavailable", "the author's account is suspended or closed; reject the post")
    try:
        record = publish_as(held.username, json.loads(held.request_json), guard=False)
    except PublishError as exc:
        HELD_POST.move(held, RELEASE_FAILED, reason=f"{exc.code}: {exc}")
        return error(409, "release_failed", f"the post could not be published: {exc}")
    except Exception:
        HELD_POST.move(held, HELD, unset=("decided_by", "decided_at"))
        raise
    HELD_POST.move(held, RELEASED, activity_id=record.activity_id)
    held.reload()
    tell_author(held, f"Your post held by the rule “{held.rule}” was reviewed and published: "
                      f"{record.activity_id}", config)
    return jsonify(held_json(held, config))


@bp.post("/api/archipel/held/<held_id>/reject")
@require_user("write:statuses")
def reject(held_id: str):
    body = request_json(required=False)
    reason = string_value(body.get("reason"))
    held, failure = _decide(held_id)
    if failure:
        return failure
    config = _config()
    HELD_POST.move(held, REJECTED, reason=reason.strip()[:2000] or None)
    held.reload()
    tell_author(held, f"Your post held by the rule “{held.rule}” ({held.message}) was not published."
                      + (f" Reason: {held.reason}" if held.reason else ""), config)
    return jsonify(held_json(held, config))


def tell_author(held: HeldPost, text: str, config: Config) -> None:
    """A Note from the node's instance actor in the author's inbox (local delivery only)."""
    sender = instance_actor_id(config.base_url)
    url = f"{config.base_url}/api/archipel/held/{held.held_id}"
    note = {"id": object_url(config.base_url, uuid.uuid4().hex), "type": NOTE, "attributedTo": sender,
            "to": [held.author], "published": iso(now()),
            "content": f"<p>{html.escape(text)}</p><p>{html.escape(url)}</p>"}
    activity = {"id": activity_url(config.base_url, uuid.uuid4().hex), "type": CREATE, "actor": sender,
                "to": [held.author], "published": note["published"], "object": note}
    OutboxActivity(activity_id=activity["id"], actor=sender, activity_type=CREATE, object_id=note["id"],
                   raw=activity, addressees=[held.author], explicit_recipients=True,
                   recipients=[held.author]).save(force_insert=True, write_concern=ACKNOWLEDGED)
    FANOUT.queued(activity["id"], enqueue(current_app.extensions["archipel_broker"], QUEUE, "fanout", activity["id"]))
