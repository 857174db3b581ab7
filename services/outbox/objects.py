"""The node's own objects, stored once: ``local_objects`` holds each post's one copy (what
``GET /objects/<id>`` serves, what an edit or a Delete changes). A Create or Update of it is
stored naming it by id and is rendered with the object embedded whenever it is served or
delivered; the inbox keeps only the routing facts of its own node's posts and reads them
here (``contract.OBJECTS``)."""

from __future__ import annotations

from flask import current_app, has_app_context

from fedkit.contracts import search
from fedkit.protocol.polls import is_vote
from fedkit.protocol.tombstone import tombstone
from fedkit.protocol.vocab import CREATE, UPDATE, audience_of, id_of, type_of
from fedkit.runtime.config import Config
from services.outbox import post_counts, versions
from services.outbox.models import LocalObject, OutboxActivity

REFERENCING_TYPES = (CREATE, UPDATE)  # the activities that carry a post of ours


def _indexed(event: dict) -> None:
    """Every change of a post's one copy goes to the node's search index (services/search)."""
    search.notify(current_app.config["ARCHIPEL"] if has_app_context() else Config.from_env(), [event])


def store(obj: dict, author: str) -> LocalObject:
    """A new post's one copy."""
    record = LocalObject(object_id=obj["id"], author=author, raw=obj, addressees=audience_of(obj))
    record.save(force_insert=True)
    post_counts.added(author)
    if not is_vote(obj):  # a vote is no post (fedkit/protocol/polls.py)
        _indexed(search.post_event(obj, author))
    return record


def edit(found: LocalObject, new_raw: dict, *, keep_previous: bool = False) -> None:
    """An edit changes the one copy (every activity naming it shows it as it is now);
    ``keep_previous``: the version it replaces joins the edit history (versions.py)."""
    if keep_previous:
        versions.keep(found.raw)
    found.update(set__raw=new_raw)
    if not is_vote(new_raw):
        _indexed(search.post_event(new_raw, found.author))  # found by its new words, not its old ones


def remove(found: LocalObject, deleted_at: str | None = None) -> dict:
    """The post becomes a Tombstone in place; returns it."""
    stone = tombstone(found.object_id, type_of(found.raw), deleted_at)
    versions.forget(found.object_id)  # a deleted post leaves no earlier version behind
    # Only the update that deletes it counts it out (a repeated Delete changes nothing).
    if LocalObject.objects(object_id=found.object_id, deleted=False).update_one(set__raw=stone, set__deleted=True):
        post_counts.removed(found.author)
    else:
        found.update(set__raw=stone)
    _indexed(search.removal(search.POST, found.object_id))
    return stone


def referencing(activity: dict) -> tuple[dict, bool]:
    """(the activity as stored, whether it names its object by id): a Create or Update of a
    post in ``local_objects`` keeps only the post's id."""
    obj = activity.get("object")
    if type_of(activity) in REFERENCING_TYPES and isinstance(obj, dict) and id_of(obj) and \
            LocalObject.objects(object_id=id_of(obj)).only("object_id").first() is not None:
        return {**activity, "object": id_of(obj)}, True
    return activity, False


def _embed(record: OutboxActivity, objects: dict[str, dict]) -> dict:
    raw = record.raw
    if record.object_stored and isinstance(raw.get("object"), str) and raw["object"] in objects:
        return {**raw, "object": objects[raw["object"]]}
    return raw


def embedded(record: OutboxActivity) -> dict:
    """The activity with its object in it, as published (bto/bcc included: for this node only)."""
    if not record.object_stored:
        return record.raw
    return _embed(record, raw_objects([record.raw.get("object")]))


def raw_objects(object_ids) -> dict[str, dict]:
    """{id: stored object} of those of ``object_ids`` this node holds, in one query."""
    wanted = [i for i in dict.fromkeys(object_ids) if isinstance(i, str)]
    if not wanted:
        return {}
    return {o.object_id: o.raw for o in LocalObject.objects(object_id__in=wanted).only("object_id", "raw")}


def public_form(activity: dict) -> dict:
    """What leaves the node: bto and bcc are removed (ActivityPub §6.1), also when embedded."""
    out = {k: v for k, v in activity.items() if k not in ("bto", "bcc")}
    if isinstance(out.get("object"), dict):
        out["object"] = {k: v for k, v in out["object"].items() if k not in ("bto", "bcc")}
    return out


def served(record: OutboxActivity) -> dict:
    """The activity as it is served and delivered: its object embedded, no bto/bcc."""
    return public_form(embedded(record))


def served_many(records: list[OutboxActivity]) -> list[dict]:
    """``served`` for a page of activities, their objects read in one query."""
    objects = raw_objects(r.raw.get("object") for r in records if r.object_stored)
    return [public_form(_embed(r, objects)) for r in records]
