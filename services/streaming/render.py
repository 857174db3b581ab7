"""What one connection receives for one event (``fedkit/contracts/stream_events.py``):
which of its subscriptions the event concerns, then each entity rendered by the api as the
connection's user (``fedkit/contracts/api.py``), so a stream shows nothing the REST API
would not show that user. Messages as Mastodon sends them: ``{"stream": [...], "event",
"payload"}``, the payload a JSON string of the entity (a deleted status's id as is)."""

from __future__ import annotations

import json

from fedkit.contracts import stream_events as events
from fedkit.contracts.api import ApiClient, Reader
from services.streaming.subscriptions import NOTIFICATIONS, USER, Subscriptions, matches


def message(stream: list[str], event: str, payload) -> str:
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return json.dumps({"stream": stream, "event": event, "payload": text}, ensure_ascii=False)


def concerns(event: dict, reader: Reader, subs: Subscriptions) -> bool:
    """Cheap test before any rendering: may this event reach one of these subscriptions?"""
    streams, kind = subs.streams(), event["kind"]
    mine = event.get("user") == reader.user or reader.user in event.get("users", ())
    if kind == events.HOME:
        return mine and USER in streams
    if kind == events.NOTIFICATION:
        return mine and bool(streams & {USER, NOTIFICATIONS})
    if kind == events.STATUS:
        return bool(subs.public()) or (USER in streams and (mine or event.get("author") == reader.user))
    return (USER in streams and mine) or (bool(event.get("public")) and bool(subs.public()))


def messages_for(event: dict, reader: Reader, subs: Subscriptions, api: ApiClient) -> list[str]:
    if not concerns(event, reader, subs):
        return []
    kind = event["kind"]
    if kind == events.HOME:
        entity = api.home_entry(int(event["seq"]), reader)
        return [message([USER], "update", entity)] if entity else []
    if kind == events.NOTIFICATION:
        entity = api.notification(str(event["id"]), reader)
        return [message([s], "notification", entity) for s in (USER, NOTIFICATIONS)
                if entity and s in subs.streams()]
    if kind == events.STATUS:
        return _status(event, reader, subs, api)
    return _delete(event, reader, subs, api)


def _status(event: dict, reader: Reader, subs: Subscriptions, api: ApiClient) -> list[str]:
    found = api.stream_status(event["uri"], reader)
    if not found:
        return []  # hidden from this user (or gone): nothing, as the REST API shows nothing
    entity = found["status"]
    name = "status.update" if event.get("update") else "update"
    tags = {t.get("name", "").lower() for t in entity.get("tags") or () if isinstance(t, dict)}
    out = [message(s.name, name, entity) for s in subs.public()
           if matches(s, public=found["public"], local=found["local"], tags=tags)]
    # The home timeline: an edit of a post it showed, and (as on Mastodon) one's own new posts.
    mine = reader.user in event.get("users", ()) if event.get("update") else event.get("author") == reader.user
    if USER in subs.streams() and mine:
        out.append(message([USER], name, entity))
    return out


def _delete(event: dict, reader: Reader, subs: Subscriptions, api: ApiClient) -> list[str]:
    number = api.status_id(event["uri"], reader)
    if not number:
        return []  # no client was ever given this status
    names = [[USER]] if USER in subs.streams() and reader.user in event.get("users", ()) else []
    if event.get("public"):
        names += [s.name for s in subs.public()]
    return [message(name, "delete", number) for name in names]
