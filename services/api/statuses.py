"""Statuses (docs.joinmastodon.org/methods/statuses/): post, show, delete, context.

A status is an AS2 object. Posting goes through the outbox's C2S path (the same code as a
C2S ``POST /users/<name>/outbox``: data-loss prevention, ids, addressing, audiences);
reading asks the service that holds the object — the outbox for this node's posts, the
inbox for what it received — as the requester, so the visibility policy decides exactly
as on the ActivityPub paths. What the requester may not see is a 404 like a missing one.
"""

from __future__ import annotations

import datetime as dt
import re

import mongoengine as me
from flask import Blueprint, g, jsonify, request

from fedkit.protocol.hashtags import link_hashtags, names_in_text, tag_object
from fedkit.protocol.sanitize import text_to_html
from fedkit.protocol.vocab import NOTE, PUBLIC, id_of, local_actor_id
from services.api import (
    communities,
    converter,
    ids,
    media_posting,
    polling,
    upstream,
    visibility_mapping,
)
from services.api.auth import require_scope
from services.api.entities import account_of, author_of, status_entity, visible_object
from services.api.entities import config as _config
from services.api.entities import me as _me
from services.api.errors import api_error, not_found
from services.api.models import IdempotentPost
from services.api.params import flag, flat_params
from services.api.user_preferences import default_privacy

bp = Blueprint("statuses", __name__)

IDEMPOTENCY_SECONDS = 3600
# @user or @user@host, as Mastodon finds mentions in a status's text (Account::MENTION_RE).
MENTION = re.compile(r"(?<![\w/@])@([a-z0-9_][a-z0-9_.-]*)(?:@([a-z0-9.-]+(?::\d+)?))?", re.IGNORECASE)
ANCESTORS_LIMIT, DESCENDANTS_LIMIT = 40, 200


def _shown(status_id: str) -> tuple[str | None, dict | None]:
    uri = ids.uri_of_status(status_id)
    return uri, (visible_object(uri) if uri else None)


@bp.get("/api/v1/statuses/<status_id>")
def show(status_id: str):
    _, obj = _shown(status_id)
    entity = status_entity(obj) if obj else None
    return jsonify(entity) if entity is not None else not_found("no such status")


@bp.get("/api/v1/statuses/<status_id>/context")
def context(status_id: str):
    """Ancestors (oldest first) and descendants (depth first, as Mastodon orders a thread)
    that the requester may see (docs.joinmastodon.org/entities/Context/)."""
    uri, obj = _shown(status_id)
    if obj is None:
        return not_found("no such status")
    ancestors, parent, seen = [], id_of(obj.get("inReplyTo")), {uri}
    while parent and parent not in seen and len(ancestors) < ANCESTORS_LIMIT:
        seen.add(parent)
        parent_obj = visible_object(parent)
        if parent_obj is None:
            break
        ancestors.append(parent_obj)
        parent = id_of(parent_obj.get("inReplyTo"))
    descendants: list[dict] = []

    def walk(node: str) -> None:
        for child in upstream.replies(node):
            child_id = id_of(child)
            if child_id and child_id not in seen and len(descendants) < DESCENDANTS_LIMIT:
                seen.add(child_id)
                descendants.append(child)
                walk(child_id)

    walk(uri)
    entities = lambda objs: [e for e in (status_entity(o) for o in objs) if e is not None]  # noqa: E731
    return jsonify(ancestors=entities(reversed(ancestors)), descendants=entities(descendants))


# -- writing ---------------------------------------------------------------------------------
def _mentioned_actors(text: str) -> list[tuple[str, str]]:
    """(actor URI, ``@name@host``) of each account the text mentions that this node knows:
    its own accounts and the remote ones it has met (as accounts/lookup resolves them)."""
    config, found = _config(), {}
    for match in MENTION.finditer(text):
        username, host = match.group(1), match.group(2)
        if not host or host.lower() == config.host.lower():
            person = upstream.local_person(username.lower())
            if person is not None and person.get("suspended") is not True:  # a departed colleague: no more
                found.setdefault(local_actor_id(config.base_url, username.lower()),
                                 f"@{username.lower()}@{config.host}")
            elif community := communities.mentionable(username.lower()):  # addressed to it: FEP-1b12
                found.setdefault(community, f"@{username.lower()}@{config.host}")
        else:
            document = upstream.known_remote_actor(username, host)
            if document and isinstance(document.get("id"), str):
                found.setdefault(document["id"], f"@{username}@{host}")
    return list(found.items())


def _addressing(visibility: str, me: str, mentioned: list[str]) -> dict:
    """to/cc of a new post as Mastodon addresses each visibility
    (ActivityPub::TagManager#to/#cc), plus Archipel's audiences by their shorthands."""
    followers = me + "/followers"
    if visibility == converter.PUBLIC:
        return {"to": [PUBLIC], "cc": [followers, *mentioned]}
    if visibility == converter.UNLISTED:
        return {"to": [followers], "cc": [PUBLIC, *mentioned]}
    if visibility == converter.PRIVATE:
        return {"to": [followers], "cc": mentioned}
    if visibility == converter.GROUP_VISIBILITY:
        return {"to": ["group"], "cc": mentioned}  # services/outbox/publishing.py's shorthands
    if visibility == converter.NODE_VISIBILITY:
        return {"to": ["node"], "cc": mentioned}
    # direct: the mentioned only (a direct post that mentions nobody stays with its author)
    return {"to": mentioned or [me]}


def _note(params: dict, parent: dict | None) -> dict | str:
    """The AS2 Note the app's parameters describe, or the error to answer."""
    text = params.get("status")
    text = text if isinstance(text, str) else ""
    if not text.strip() and not media_posting.media_ids(params):  # a photo alone is a post, as on Mastodon
        return "Validation failed: Text can't be blank"
    if len(text) > converter.MAX_CHARACTERS:
        return f"Validation failed: Text character limit of {converter.MAX_CHARACTERS} exceeded"
    visibility = params.get("visibility") or default_privacy(g.requester.user)  # as the user set it
    if visibility not in converter.VISIBILITIES:
        return f"Validation failed: Visibility is not one of {', '.join(converter.VISIBILITIES)}"
    visibility = visibility_mapping.applied(visibility, _config())
    author = _me()
    mentions = _mentioned_actors(text)
    mentioned = [uri for uri, _ in mentions]
    if parent is not None:
        parent_author = author_of(parent)
        if parent_author and parent_author != author and parent_author not in mentioned and visibility not in (
                converter.GROUP_VISIBILITY, converter.NODE_VISIBILITY):
            mentioned.append(parent_author)  # the author answered hears of it, as on Mastodon
        if visibility != converter.DIRECT:  # a direct answer reaches only whom it names
            mentioned += [c for c in communities.of_thread(parent) if c not in mentioned]
    content = link_hashtags(text_to_html(text), _config().base_url)
    note = {"type": NOTE, "content": content, **_addressing(visibility, author, mentioned)}
    tags = [{"type": "Mention", "href": uri, "name": name} for uri, name in mentions]
    tags += [tag_object(name, _config().base_url) for name in names_in_text(text)]  # #words, as Mastodon
    if tags:
        note["tag"] = tags
    spoiler = params.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():
        note["summary"] = spoiler.strip()
    if flag(params.get("sensitive")) or "summary" in note:
        note["sensitive"] = True
    language = params.get("language")
    if isinstance(language, str) and re.fullmatch(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?", language):
        note["contentMap"] = {language: content}
    if parent is not None:
        note["inReplyTo"] = id_of(parent)
    return polling.attach(note, params)  # a poll makes it a Question (services/api/polling.py)


def _held_entity(body: dict, params: dict) -> dict:
    """A post the DLP guard holds for review, as the status it will be once released, marked
    pending: ``pending: true`` and ``archipel.held`` (its state, the rule's message, where
    its review is); its id opens nothing until it is released (then it is a new status)."""
    config = _config()
    account = account_of(_me())
    url = body.get("url") or ""
    post = body.get("post") or {}
    entity = converter.status(
        {"id": url, "type": NOTE, "content": post.get("content") or "", "summary": post.get("summary") or "",
         "published": body.get("created_at"), "sensitive": flag(params.get("sensitive"))},
        status_id=ids.status_id(url, body.get("created_at")), account=account,
        visibility=visibility_mapping.applied(params.get("visibility") or default_privacy(g.requester.user), config),
        base_url=config.base_url)
    return {**entity, "pending": True,
            "archipel": {"held": {"state": body.get("state"), "rule": body.get("rule"),
                                  "message": body.get("error_description") or body.get("message"),
                                  "review_url": url}}}


def _idempotent_claim(key: str | None):
    """(earlier answer, claim): the Status already answered for this ``Idempotency-Key``,
    or a claim on the key for this post (None without a key)."""
    if not key:
        return None, None
    key = key[:200]
    user = g.requester.user
    for _ in range(2):
        found = IdempotentPost.objects(user=user, key=key).first()
        if found is not None:
            age = dt.datetime.now(dt.UTC) - found.created_at.replace(tzinfo=dt.UTC)
            if age.total_seconds() > IDEMPOTENCY_SECONDS:
                found.delete()
                continue
            return found, None
        try:
            return None, IdempotentPost(user=user, key=key).save(force_insert=True)
        except me.NotUniqueError:
            continue
    return IdempotentPost.objects(user=user, key=key).first(), None


@bp.post("/api/v1/statuses")
@require_scope("write:statuses")
def create():
    """docs.joinmastodon.org/methods/statuses/#create. Blocked by data-loss prevention: 422
    with the rule's message as ``error``; held for review: 202 with the status marked pending."""
    earlier, claim = _idempotent_claim(request.headers.get("Idempotency-Key"))
    if earlier is not None:
        if not earlier.status:
            return api_error(409, "Another request with this Idempotency-Key is in progress")
        return jsonify(earlier.status), earlier.code
    try:
        answer = _create(flat_params())
    except BaseException:
        if claim is not None:
            claim.delete()
        raise
    if claim is not None:
        if answer.status_code in (200, 202):  # published, or held for review: the same again
            claim.update(set__status=answer.get_json(), set__code=answer.status_code)
        else:
            claim.delete()
    return answer


def _create(params: dict):
    parent = None
    reply_to = params.get("in_reply_to_id")
    if reply_to:
        _, parent = _shown(str(reply_to))
        if parent is None:
            return not_found("the status replied to does not exist or is not visible to you")
    note = _note(params, parent)
    if isinstance(note, str):
        return api_error(422, note)
    refusal = communities.refusal_of([*note.get("to", []), *note.get("cc", [])])
    if refusal:
        return api_error(*refusal)
    published = media_posting.publish(g.requester.user, note, params)  # media_ids: the uploads it carries
    if published.status == 201:
        obj = published.body.get("activity", {}).get("object")
        entity = status_entity(obj) if isinstance(obj, dict) else None
        if entity is None:
            return api_error(503, "Service unavailable", "the post was published but cannot be shown")
        return jsonify(entity)
    body = published.body
    if published.status == 202 and body.get("held"):
        resp = jsonify(_held_entity(body, params))
        resp.status_code = 202
        return resp
    message = body.get("error_description") or body.get("error") or "the post was refused"
    status = published.status if 400 <= published.status < 600 else 422
    return api_error(status, message, body.get("error") if isinstance(body.get("error"), str) else None)


@bp.delete("/api/v1/statuses/<status_id>")
@require_scope("write:statuses")
def delete(status_id: str):
    """Delete one's own status (a Delete through the outbox: a Tombstone everywhere); the
    answer is the status with its ``text``, for "delete and redraft". Another's: 404."""
    uri, obj = _shown(status_id)
    if obj is None or author_of(obj) != _me():
        return not_found("no such status of yours")
    entity = status_entity(obj)
    published = upstream.publish(g.requester.user, {"type": "Delete", "object": uri})
    if published.status != 201:
        return api_error(published.status if published.status >= 400 else 422,
                         published.body.get("error_description") or "the status could not be deleted")
    return jsonify(converter.with_source(entity, obj) if entity else {})
