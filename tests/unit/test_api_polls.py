"""Polls and edits in the client API, one module at a time: a new status's poll
parameters (form and JSON, as apps send them) becoming a Question, the Poll entity field by
field (docs.joinmastodon.org/entities/Poll/), the answer to a vote, and the StatusEdit
entity (docs.joinmastodon.org/entities/StatusEdit/)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.unit.test_api_entities import assert_shape

POLL = {"id": str, "expires_at": (str, type(None)), "expired": bool, "multiple": bool, "votes_count": int,
        "voters_count": (int, type(None)), "options": list, "emojis": list, "voted": bool, "own_votes": list}
OPTION = {"title": str, "votes_count": (int, type(None))}
STATUS_EDIT = {"content": str, "spoiler_text": str, "sensitive": bool, "created_at": str, "account": dict,
               "poll": (dict, type(None)), "media_attachments": list, "emojis": list}
NOTE = {"type": "Note", "content": "<p>Lunch?</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"]}


@pytest.fixture
def app():
    return Flask(__name__)


def attach(app, **request):
    from services.api import polling
    from services.api.params import params

    with app.test_request_context("/api/v1/statuses", method="POST", **request):
        return polling.attach(dict(NOTE), params())


def test_a_form_poll_makes_the_note_a_question(app):
    question = attach(app, data={"status": "Lunch?", "poll[options][]": ["pizza", "sushi"],
                                 "poll[expires_in]": "3600", "poll[multiple]": "true"})
    assert question["type"] == "Question" and question["content"] == NOTE["content"]
    assert question["anyOf"] == [
        {"type": "Note", "name": "pizza", "replies": {"type": "Collection", "totalItems": 0}},
        {"type": "Note", "name": "sushi", "replies": {"type": "Collection", "totalItems": 0}}]
    assert question["endTime"].endswith("Z") and question["votersCount"] == 0 and "oneOf" not in question


def test_a_json_poll_as_mastodon_py_sends_it(app):
    question = attach(app, json={"status": "Lunch?", "poll": {"options": ["a", "b", "c"], "expires_in": 300,
                                                               "multiple": False, "hide_totals": False}})
    assert [o["name"] for o in question["oneOf"]] == ["a", "b", "c"] and "anyOf" not in question


@pytest.mark.parametrize("poll", [
    {"options": ["only one"], "expires_in": 300},
    {"options": ["a", "b", "c", "d", "e"], "expires_in": 300},
    {"options": ["a", "x" * 51], "expires_in": 300},
    {"options": ["a", "a"], "expires_in": 300},
    {"options": ["a", "b"], "expires_in": 10},
    {"options": ["a", "b"], "expires_in": "soon"},
    {"options": "not a list of two", "expires_in": 300},
])
def test_a_poll_outside_the_announced_limits_is_refused(app, poll):
    answer = attach(app, json={"status": "Lunch?", "poll": poll})
    assert isinstance(answer, str) and answer.startswith("Validation failed")


def test_no_poll_leaves_the_note_alone(app):
    assert attach(app, data={"status": "Lunch?"}) == NOTE


def question(**extra) -> dict:
    from fedkit.protocol import polls

    return {"id": "https://de.example/objects/q", "type": "Question", "content": "Lunch?",
            **polls.with_counts({**polls.question(["pizza", "sushi"], multiple_choice=False,
                                                  end="2999-01-01T00:00:00Z")}, {"sushi": 3}, 3), **extra}


def test_poll_entity():
    from services.api.polling import as_voted, poll_entity

    entity = poll_entity(question(), "77", own=[])
    assert_shape(entity, POLL)
    for option in entity["options"]:
        assert_shape(option, OPTION)
    assert entity == {"id": "77", "expires_at": "2999-01-01T00:00:00.000Z", "expired": False, "multiple": False,
                      "votes_count": 3, "voters_count": None, "voted": False, "own_votes": [],
                      "options": [{"title": "pizza", "votes_count": 0}, {"title": "sushi", "votes_count": 3}],
                      "emojis": []}
    voted = as_voted(entity, [0])
    assert voted["voted"] and voted["own_votes"] == [0] and voted["options"][0]["votes_count"] == 1
    assert voted["votes_count"] == 4
    mine = poll_entity(question(closed="2001-01-01T00:00:00Z", endTime=None), "77", own=["sushi"])
    assert mine["expired"] and mine["own_votes"] == [1] and mine["voted"]


def test_status_edit_entity(app, monkeypatch):
    from services.api import edits
    from services.api.converter import account

    author = account({"id": "https://de.example/users/bob", "type": "Person", "preferredUsername": "bob"},
                     account_id="5", base_url="https://fr.example")
    monkeypatch.setattr(edits, "config", lambda: type("C", (), {"base_url": "https://fr.example"}))
    first = edits._version({**question(), "published": "2026-11-29T10:00:00Z", "summary": "cw"}, author)
    assert_shape(first, STATUS_EDIT)
    assert first["created_at"] == "2026-11-29T10:00:00.000Z" and first["sensitive"] and first["spoiler_text"] == "cw"
    assert first["poll"] == {"options": [{"title": "pizza"}, {"title": "sushi"}]}
    later = edits._version({"id": "x", "type": "Note", "content": "v2", "published": "2026-11-29T10:00:00Z",
                            "updated": "2026-11-29T11:00:00Z"}, author)
    assert later["created_at"] == "2026-11-29T11:00:00.000Z" and later["poll"] is None


def test_a_question_shows_its_poll_and_a_vote_is_no_status(app):
    from services.api.polling import polls_shown

    shown = polls_shown(lambda obj: {"id": "9", "uri": obj["id"], "poll": None})
    vote = {"id": "https://de.example/votes/1", "type": "Note", "name": "pizza",
            "inReplyTo": "https://fr.example/objects/q"}
    assert shown(vote) is None
    assert shown({**vote, "content": "<p>pizza, obviously</p>"})["poll"] is None  # a reply with a title
    with app.test_request_context("/"):
        from flask import g

        g.requester = type("Anonymous", (), {"user": None})()
        poll = shown(question())["poll"]
    assert poll["id"] == "9" and [o["title"] for o in poll["options"]] == ["pizza", "sushi"]
