"""Favourites, boosts and notifications in the client API, one module at a time: the
Status an app gets back at once (the inbox records the Like or Announce later), the
Notification entity field by field (docs.joinmastodon.org/entities/Notification/), and
that a notification of a status the user may not see is left out."""

from __future__ import annotations

import pytest

from tests.unit.test_api_entities import assert_shape

NOTIFICATION = {"id": str, "type": str, "created_at": str, "group_key": str, "account": dict,
                "status": (dict, type(None))}


def test_the_answer_shows_the_favourite_or_boost_just_sent():
    from services.api.interactions import _as_now

    entity = {"favourited": False, "favourites_count": 3, "reblogged": True, "reblogs_count": 1}
    assert _as_now(entity, favourited=True) == {**entity, "favourited": True, "favourites_count": 4}
    assert _as_now(entity, reblogged=False) == {**entity, "reblogged": False, "reblogs_count": 0}
    # already as asked (the inbox recorded it): counts as they are
    assert _as_now(entity, reblogged=True) == entity
    assert _as_now({**entity, "favourited": True, "favourites_count": 0}, favourited=False)["favourites_count"] == 0


@pytest.fixture
def notifications_module(monkeypatch):
    # notification_entity lives with the entities (the streaming render uses it too)
    from services.api import entities as notifications

    accounts = {"https://de.example/users/bob": {"id": "7", "acct": "bob@de.example"}}
    visible = {"https://fr.example/objects/1": {"id": "https://fr.example/objects/1"}}
    monkeypatch.setattr(notifications, "account_of", accounts.get)
    monkeypatch.setattr(notifications, "visible_object", visible.get)
    monkeypatch.setattr(notifications, "status_entity", lambda obj: {"id": "9", "uri": obj["id"]})
    return notifications


def item(kind: str, object_id: str | None = "https://fr.example/objects/1",
         actor: str = "https://de.example/users/bob") -> dict:
    return {"id": "1234", "type": kind, "actor": actor, "object_id": object_id,
            "created_at": "2026-11-29T21:00:00.123Z"}


def test_notification_entity(notifications_module):
    favourite = notifications_module.notification_entity(item("favourite"))
    assert_shape(favourite, NOTIFICATION)
    assert favourite == {"id": "1234", "type": "favourite", "created_at": "2026-11-29T21:00:00.123Z",
                         "group_key": "ungrouped-1234", "account": {"id": "7", "acct": "bob@de.example"},
                         "status": {"id": "9", "uri": "https://fr.example/objects/1"}}
    follow = notifications_module.notification_entity(item("follow", None))
    assert_shape(follow, NOTIFICATION)
    assert follow["status"] is None and follow["type"] == "follow"


def test_what_cannot_be_shown_is_left_out(notifications_module):
    assert notifications_module.notification_entity(item("mention", "https://fr.example/objects/hidden")) is None
    assert notifications_module.notification_entity(item("reblog", None)) is None
    assert notifications_module.notification_entity(item("follow", None, actor="https://gone.example/users/x")) is None


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/statuses/123/favourite"),
    ("POST", "/api/v1/statuses/123/unreblog"),
    ("GET", "/api/v1/statuses/123/favourited_by"),
    ("GET", "/api/v1/notifications"),
    ("POST", "/api/v1/notifications/clear"),
    ("POST", "/api/v1/notifications/5/dismiss"),
])
def test_gateway_routes_them_to_the_api(method, path):
    from gateway.routes import IGNORED, route_for

    assert route_for(method, path) == ("api", IGNORED)
