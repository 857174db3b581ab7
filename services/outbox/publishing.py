"""Publishing an activity as a local actor: ids, addressing, side effects, storage.

Used by the C2S outbox endpoint and by the node's own services (an Accept sent by
the inbox worker). One function per activity type prepares the activity; anything
else is refused with a clear error.
"""

from __future__ import annotations

import datetime as dt
import uuid

from fedkit.contracts.identity import IdentityClient, ProfileRefused
from fedkit.contracts.inbox import InboxClient
from fedkit.protocol.actors import FetchError, fetch_json
from fedkit.protocol.polls import content_fields
from fedkit.protocol.sanitize import sanitize_html, text_to_html
from fedkit.protocol.vocab import (
    ACCEPT,
    ANNOUNCE,
    CREATABLE_TYPES,
    CREATE,
    DELETE,
    FOLLOW,
    LIKE,
    PUBLIC,
    REJECT,
    UNDO,
    UPDATE,
    activity_url,
    as_list,
    audience_of,
    id_of,
    is_public,
    local_actor_id,
    object_url,
    type_of,
)
from fedkit.rules.audience import (
    ADDRESS_FIELDS,
    Node,
    address_create,
    audience_conflict,
    followers_url,
    has_addressing,
    plan_post,
)
from fedkit.rules.registry import load_registry, origin_of
from fedkit.runtime.clock import now_iso
from fedkit.runtime.config import Config
from fedkit.runtime.db import ACKNOWLEDGED
from fedkit.runtime.internal import InternalClient
from services.outbox import objects
from services.outbox.models import LocalObject, OutboxActivity

EDITABLE_FIELDS = ("content", "contentMap", "summary", "name", "sensitive", "tag", "attachment")


class PublishError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code




def _readdress_as(original: dict, activity: dict) -> None:
    """An Update or Delete goes exactly where the object went: client addressing is dropped."""
    for key in ADDRESS_FIELDS:
        activity.pop(key, None)
        if key in original:
            activity[key] = original[key]


def _sanitize_fields(obj: dict) -> None:
    for key in ("content", "summary", "name"):
        if isinstance(obj.get(key), str):
            obj[key] = sanitize_html(obj[key])
        elif key in obj:
            obj.pop(key)
    if isinstance(obj.get("contentMap"), dict):
        obj["contentMap"] = {k: sanitize_html(v) for k, v in obj["contentMap"].items() if isinstance(v, str)}
    else:
        obj.pop("contentMap", None)


class Publisher:
    def __init__(self, config: Config, internal: InternalClient, username: str,
                 author_active_at: dt.datetime | None = None, also_to: tuple[str, ...] = ()):
        self.config = config
        self.also_to = list(also_to)  # reached hidden (bcc), whatever the addressing (services/outbox/moving.py)
        self.internal = internal
        self.username = username
        self.author_active_at = author_active_at  # when identity last said the account is active
        self.node = Node.of(config, load_registry(config))  # the planner's facts about this node
        self.actor = local_actor_id(config.base_url, username)

    # -- entry point -------------------------------------------------------------------
    def publish(self, data: dict) -> OutboxActivity:
        if not isinstance(data, dict) or not type_of(data):
            raise PublishError(400, "type_missing", "post an object or activity with a type")
        if type_of(data) in CREATABLE_TYPES:
            data = {"type": CREATE, "object": data}  # AP §6.2.1: a bare object is wrapped
        activity = {k: v for k, v in data.items() if k not in ("@context", "id", "actor", "published")}
        activity.update(id=activity_url(self.config.base_url, uuid.uuid4().hex), actor=self.actor,
                        published=now_iso())
        prepare = {
            CREATE: self._create, FOLLOW: self._follow, UNDO: self._undo, LIKE: self._like,
            ANNOUNCE: self._announce, DELETE: self._delete, UPDATE: self._update,
            ACCEPT: self._answer, REJECT: self._answer,
        }.get(type_of(activity))
        if prepare is None:
            raise PublishError(422, "unsupported_type", f"{type_of(activity)} cannot be posted to an outbox")
        prepare(activity)
        if self.also_to:
            activity["bcc"] = list(dict.fromkeys([*as_list(activity.get("bcc")), *self.also_to]))
        # Who receives it and who may see it, decided once (fan-out, the inbox and the read side use it).
        plan = plan_post(activity, self.actor, self.node)
        stored, object_stored = objects.referencing(activity)  # a post of ours: named by id, stored once
        record = OutboxActivity(
            activity_id=activity["id"], actor=self.actor, activity_type=type_of(activity),
            object_id=id_of(activity.get("object")), raw=stored, object_stored=object_stored,
            addressees=list(plan.addressees), plan=plan.as_dict(), author_active_at=self.author_active_at,
        )
        record.save(force_insert=True, write_concern=ACKNOWLEDGED)
        return record

    # -- per type ----------------------------------------------------------------------
    def _create(self, activity: dict) -> None:
        obj = activity.get("object")
        if not isinstance(obj, dict) or type_of(obj) not in CREATABLE_TYPES:
            raise PublishError(422, "invalid_object", "Create needs an embedded object (Note, Article…)")
        obj = {k: v for k, v in obj.items() if k not in ("@context", "id", "attributedTo", "published")}
        obj.update(id=object_url(self.config.base_url, uuid.uuid4().hex), attributedTo=self.actor,
                   published=activity["published"])
        if isinstance(obj.get("content"), str) and "<" not in obj["content"]:
            obj["content"] = text_to_html(obj["content"])
        _sanitize_fields(obj)
        # Where it goes is the planner's rule (fedkit.rules.audience), shared by activity and object.
        activity_addressing, object_addressing = address_create(activity, obj, self.actor, self.node)
        activity.update(activity_addressing)
        obj.update(object_addressing)
        conflict = audience_conflict(audience_of(activity) + audience_of(obj), self.node)
        if conflict:
            raise PublishError(422, "audience_conflict", conflict)
        in_reply_to = id_of(obj.get("inReplyTo"))
        if in_reply_to:
            obj["inReplyTo"] = in_reply_to
        activity["object"] = obj
        objects.store(obj, self.actor)

    def _follow(self, activity: dict) -> None:
        target = id_of(activity.get("object"))
        if not target or target == self.actor:
            raise PublishError(422, "invalid_object", "Follow needs the id of another actor")
        activity["object"] = target
        activity.setdefault("to", [target])

    def _own_activity(self, ref, types: tuple[str, ...]) -> OutboxActivity:
        found = OutboxActivity.objects(activity_id=id_of(ref) or "", actor=self.actor).first()
        if found is None or found.activity_type not in types:
            raise PublishError(422, "invalid_object", f"not one of your {'/'.join(types)} activities")
        return found

    def _undo(self, activity: dict) -> None:
        original = self._own_activity(activity.get("object"), (FOLLOW, LIKE, ANNOUNCE))
        activity["object"] = {k: v for k, v in original.raw.items() if k not in ("bto", "bcc")}
        for key in ADDRESS_FIELDS:
            if key in original.raw and key not in activity:
                activity[key] = original.raw[key]

    def _lookup(self, object_id: str) -> tuple[str | None, list[str]]:
        """(author, addressees) of an object, local or fetched."""
        local = LocalObject.objects(object_id=object_id).only("author", "addressees").first()
        if local:
            return local.author, list(local.addressees)
        try:
            remote = fetch_json(object_id, self.config)
        except FetchError:
            return None, []
        authors = [id_of(a) for a in as_list(remote.get("attributedTo")) if id_of(a)]
        return (authors[0] if authors else None), audience_of(remote)

    def _author_of(self, object_id: str) -> str | None:
        return self._lookup(object_id)[0]

    def _like(self, activity: dict) -> None:
        target = id_of(activity.get("object"))
        if not target:
            raise PublishError(422, "invalid_object", "Like needs the id of an object")
        activity["object"] = target
        if not has_addressing(activity):
            author = self._author_of(target)
            if author:
                activity["to"] = [author]

    def _announce(self, activity: dict) -> None:
        target = id_of(activity.get("object"))
        if not target:
            raise PublishError(422, "invalid_object", "Announce needs the id of an object")
        activity["object"] = target
        author, addressees = self._lookup(target)
        if author != self.actor and not is_public(addressees):
            # Boosting shows the post to new people: only public posts may be boosted.
            raise PublishError(422, "not_public", "only public posts can be announced")
        if not has_addressing(activity):
            activity["to"] = [PUBLIC]
            activity["cc"] = [followers_url(self.actor)] + ([author] if author else [])

    def _own_object(self, ref) -> LocalObject:
        found = LocalObject.objects(object_id=id_of(ref) or "", author=self.actor).first()
        if found is None or found.deleted:
            raise PublishError(422, "invalid_object", "not one of your objects")
        return found

    def _delete(self, activity: dict) -> None:
        found = self._own_object(activity.get("object"))
        activity["object"] = objects.remove(found, activity["published"])
        _readdress_as(found.raw, activity)  # found.raw: as it was before  # the Delete reaches whoever got the object

    def _update(self, activity: dict) -> None:
        obj = activity.get("object")
        if not isinstance(obj, dict):
            raise PublishError(422, "invalid_object", "Update needs the new object embedded")
        if id_of(obj) == self.actor:
            try:
                IdentityClient(self.internal).update_profile(self.username, obj)
            except ProfileRefused as exc:
                raise PublishError(422, "directory_owned", str(exc)) from None
            activity["object"] = self._current_person()  # as outside the group sees it
            activity["to"] = [PUBLIC]
            # Member nodes too (their instance actors): they keep the profiles of the group's
            # people for its directory, and refetch the whole document when told it changed.
            own = origin_of(self.config.base_url)
            activity["cc"] = [followers_url(self.actor), *(n.instance_actor for n in self.node.registry.nodes
                                                           if origin_of(n.base_url) != own)]
            return
        found = self._own_object(obj)
        new_raw = dict(found.raw)
        for key in EDITABLE_FIELDS:
            if key in obj:
                new_raw[key] = obj[key]
        _sanitize_fields(new_raw)
        edited = content_fields(new_raw) != content_fields(found.raw)  # not a new count of votes
        if edited:
            new_raw["updated"] = activity["published"]
        objects.edit(found, new_raw, keep_previous=edited)  # the version it replaces: edit history
        activity["object"] = new_raw
        _readdress_as(found.raw, activity)

    def _current_person(self) -> dict:
        person = IdentityClient(self.internal).person(self.username)
        person.pop("@context", None)
        return person

    def _answer(self, activity: dict) -> None:
        """Accept/Reject of an Invite the user received (a community's invitation), or
        of a follow request to the user."""
        invite_id = id_of(activity.get("object"))
        if invite_id:
            found = InboxClient(self.internal).invitation(invite_id, self.actor)
            if found is not None:
                invite = {k: v for k, v in found.items() if k not in ("@context", "bto", "bcc")}
                activity["object"] = invite
                activity["to"] = [id_of(invite.get("actor"))]
                return
        self._answer_follow(activity)

    def _answer_follow(self, activity: dict) -> None:
        follow_ref = activity.get("object")
        follow = follow_ref if isinstance(follow_ref, dict) and id_of(follow_ref.get("actor")) else None
        if follow is None:
            follow = InboxClient(self.internal).follow_request(id_of(follow_ref) or "")
            if follow is None:
                raise PublishError(422, "invalid_object", "no such follow request")
        if id_of(follow.get("object")) != self.actor:
            raise PublishError(422, "invalid_object", "that follow request is not addressed to you")
        follow = {k: v for k, v in follow.items() if k != "@context"}
        activity["object"] = follow
        activity["to"] = [id_of(follow.get("actor"))]
