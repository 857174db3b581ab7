"""The data-loss prevention guard's decision on a local user's post, and its answers.

``guard`` runs before a local user's post is published (posting.py): a ``block`` rule
refuses it (422 ``dlp_blocked``), a ``hold`` rule keeps the request as a HeldPost (202)
— nothing is published, stored as an activity or object, or fanned out — for the review
of held posts (held.py).
"""

from __future__ import annotations

import json
import uuid

from flask import jsonify

from fedkit.protocol.sanitize import sanitize_html
from fedkit.protocol.vocab import local_actor_id
from fedkit.runtime.clock import iso
from fedkit.runtime.config import Config
from fedkit.runtime.db import ACKNOWLEDGED
from fedkit.runtime.internal import InternalClient
from fedkit.runtime.responses import error
from services.outbox import dlp, dlp_rules, dlp_text
from services.outbox.models import HELD, HELD_POST, HeldPost
from services.outbox.publishing import PublishError


class GuardStop(PublishError):
    """The guard stopped a post; ``response()`` is the answer to its author."""

    def response(self):
        return error(self.status, self.code, str(self))


class Blocked(GuardStop):
    def __init__(self, rule: dlp_rules.Rule):
        super().__init__(422, "dlp_blocked", rule.message)
        self.rule = rule

    def response(self):
        resp = jsonify(error=self.code, error_description=str(self), rule=self.rule.name)
        resp.status_code = self.status
        return resp


class Held(GuardStop):
    def __init__(self, held: HeldPost, config: Config):
        super().__init__(202, "dlp_held", held.message)
        self.held = held
        self.config = config

    def response(self):
        body = held_json(self.held, self.config)
        resp = jsonify(held=True, error=self.code, error_description=held_message(self.held), **body)
        resp.status_code = 202
        resp.headers["Location"] = body["url"]
        return resp


class Unavailable(GuardStop):
    def __init__(self):
        super().__init__(503, "dlp_unavailable", "the node cannot check what leaves the group right now: "
                                                 "this post would leave it, try again later or address it "
                                                 "inside the group")


def held_message(held: HeldPost) -> str:
    return f"{held.message} (held for review by an administrator before it leaves the group)"


def guard(username: str, data: dict, config: Config, internal: InternalClient) -> None:
    """Let the post through, or raise Blocked, Held (after storing it) or Unavailable."""
    try:
        verdict = dlp.check_outgoing(username, data, config, internal)
    except dlp.RulesUnavailable:
        raise Unavailable() from None
    if verdict is None:
        return
    if verdict.rule.action == dlp_rules.BLOCK:
        raise Blocked(verdict.rule)
    held = HELD_POST.create(HELD, write_concern=ACKNOWLEDGED, held_id=uuid.uuid4().hex,
                            author=local_actor_id(config.base_url, username), username=username,
                            request_json=json.dumps(data), post_json=json.dumps(verdict.outgoing.obj),
                            text=verdict.outgoing.text,
                            activity_type=verdict.outgoing.activity_type, object_id=verdict.outgoing.object_id,
                            addressees=list(verdict.outgoing.addressees), leaving=list(verdict.leaving),
                            rule=verdict.rule.name, message=verdict.rule.message)
    raise Held(held, config)


def held_json(held: HeldPost, config: Config) -> dict:
    post = json.loads(held.post_json)
    text = held.text or dlp_text.post_text(post)
    shown = {k: sanitize_html(post[k]) for k in ("name", "summary", "content") if isinstance(post.get(k), str)}
    return {
        "id": held.held_id, "url": f"{config.base_url}/api/archipel/held/{held.held_id}", "state": held.state,
        "rule": held.rule, "message": held.message, "author": held.author, "type": held.activity_type,
        "object_id": held.object_id, "addressees": list(held.addressees), "leaving": list(held.leaving),
        "post": {"type": post.get("type"), **shown, "tags": sorted(dlp_text.post_tags(post, text))}, "text": text,
        "created_at": iso(held.created_at), "decided_by": held.decided_by, "decided_at": iso(held.decided_at),
        "reason": held.reason, "activity_id": held.activity_id,
    }
