"""The streaming server's subscriptions (docs.joinmastodon.org/methods/streaming/): stream
names and tags from the query or from subscribe messages, scopes, which public stream a
post belongs to, and which events reach which connection before anything is rendered."""

from __future__ import annotations

import json

import pytest

from fedkit.contracts import stream_events as events
from fedkit.contracts.api import Reader
from services.streaming import render
from services.streaming.subscriptions import (
    MAX_SUBSCRIPTIONS,
    BadSubscription,
    Subscription,
    Subscriptions,
    check_scopes,
    from_query,
    matches,
    parse_message,
    subscription,
)


@pytest.mark.parametrize("stream", ["user", "user:notification", "public", "public:local", "public:remote"])
def test_streams_without_a_tag(stream):
    assert from_query({"stream": stream}) == Subscription(stream)
    assert from_query({"stream": stream}).name == [stream]


def test_no_stream_is_a_multiplexed_connection():
    assert from_query({}) is None
    assert from_query({"stream": ""}) is None


@pytest.mark.parametrize("stream", ["hashtag", "hashtag:local"])
def test_a_hashtag_stream_needs_its_tag_compared_lower_case(stream):
    sub = from_query({"stream": stream, "tag": "#Welding"})
    assert sub == Subscription(stream, "welding") and sub.name == [stream, "welding"]
    for tag in (None, "", " ", "#", 7, "x" * 101, "a\nb"):
        with pytest.raises(BadSubscription) as refused:
            subscription(stream, tag)
        assert refused.value.status == 400


@pytest.mark.parametrize("stream", ["list", "direct", "public:media", "user:foo", "", None, 3, ["user"]])
def test_unknown_streams_are_refused(stream):
    with pytest.raises(BadSubscription, match="Unknown stream type"):
        subscription(stream)


def test_subscribe_and_unsubscribe_messages():
    assert parse_message('{"type": "subscribe", "stream": "public:local"}') == \
        ("subscribe", Subscription("public:local"))
    assert parse_message(json.dumps({"type": "unsubscribe", "stream": "hashtag", "tag": "Foo"})) == \
        ("unsubscribe", Subscription("hashtag", "foo"))


@pytest.mark.parametrize("text", ["", "not json", "[]", '"subscribe"', '{"type": "listen", "stream": "user"}',
                                  '{"stream": "user"}', '{"type": "subscribe"}', b'{"type": "subscribe"}',
                                  '{"type": "subscribe", "stream": "user", "x": "' + "y" * 5000 + '"}'])
def test_malformed_messages_are_refused(text):
    with pytest.raises(BadSubscription) as refused:
        parse_message(text)
    assert refused.value.status == 400


def test_scopes_as_mastodon_requires_them():
    check_scopes(Subscription("user"), {"read"})
    check_scopes(Subscription("public"), {"read:statuses"})
    check_scopes(Subscription("user:notification"), {"read:notifications"})
    for sub, scopes in ((Subscription("user"), {"read:notifications"}),
                        (Subscription("user:notification"), {"read:statuses"}),
                        (Subscription("public"), {"write", "follow"})):
        with pytest.raises(BadSubscription) as refused:
            check_scopes(sub, scopes)
        assert refused.value.status == 401


def test_subscriptions_are_a_set_with_a_limit():
    subs = Subscriptions()
    subs.add(Subscription("user"))
    subs.add(Subscription("user"))
    assert list(subs) == [Subscription("user")]
    subs.remove(Subscription("public"))
    subs.remove(Subscription("user"))
    assert list(subs) == []
    for n in range(MAX_SUBSCRIPTIONS):
        subs.add(Subscription("hashtag", f"t{n}"))
    with pytest.raises(BadSubscription):
        subs.add(Subscription("public"))


def test_which_public_stream_a_visible_post_belongs_to():
    group_post = {"public": True, "local": False, "tags": {"x"}}
    node_post = {"public": False, "local": True, "tags": {"x"}}
    local_public = {"public": True, "local": True, "tags": set()}
    assert matches(Subscription("public"), **group_post) and not matches(Subscription("public"), **node_post)
    assert matches(Subscription("public:local"), **node_post)
    assert not matches(Subscription("public:local"), **group_post)
    assert matches(Subscription("public:remote"), **group_post)
    assert not matches(Subscription("public:remote"), **local_public)
    assert matches(Subscription("hashtag", "x"), **group_post) and matches(Subscription("hashtag", "x"), **node_post)
    assert not matches(Subscription("hashtag:local", "x"), **group_post)
    assert not matches(Subscription("hashtag", "y"), **group_post)
    # A post in neither stream (followers-only, direct) is in no hashtag stream either.
    assert not matches(Subscription("hashtag", "x"), public=False, local=False, tags={"x"})


BOB = Reader("bob", frozenset({"read"}))


def _subs(*streams) -> Subscriptions:
    subs = Subscriptions()
    for stream in streams:
        subs.add(Subscription(stream))
    return subs


def test_events_reach_only_their_user_before_any_rendering():
    assert render.concerns(events.home("bob", 1), BOB, _subs("user"))
    assert not render.concerns(events.home("berta", 1), BOB, _subs("user"))
    assert not render.concerns(events.home("bob", 1), BOB, _subs("public", "user:notification"))
    assert render.concerns(events.notification("bob", "5"), BOB, _subs("user:notification"))
    assert not render.concerns(events.notification("berta", "5"), BOB, _subs("user", "user:notification"))
    assert render.concerns(events.status("https://x/1"), BOB, _subs("public"))
    assert not render.concerns(events.status("https://x/1"), BOB, _subs("user"))
    assert render.concerns(events.status("https://x/1", author="bob"), BOB, _subs("user"))
    assert render.concerns(events.status("https://x/1", update=True, users=["bob"]), BOB, _subs("user"))
    assert render.concerns(events.delete("https://x/1", ["bob"], public=False), BOB, _subs("user"))
    assert not render.concerns(events.delete("https://x/1", ["berta"], public=False), BOB, _subs("user", "public"))
    assert render.concerns(events.delete("https://x/1", [], public=True), BOB, _subs("public:local"))


class FakeApi:
    """The api's answers for one user (the real ones: tests/e2e/test_mastodon_streaming.py)."""

    def __init__(self, status=None, home=None, number=None):
        self._status, self._home, self._number = status, home, number

    def stream_status(self, uri, reader):
        return self._status

    def home_entry(self, seq, reader):
        return self._home

    def notification(self, number, reader):
        return {"id": number, "type": "mention"}

    def status_id(self, uri, reader):
        return self._number


def _decoded(messages):
    return [json.loads(m) for m in messages]


def test_messages_as_mastodon_sends_them():
    entity = {"id": "9", "content": "hi", "tags": [{"name": "Welding"}]}
    api = FakeApi(status={"status": entity, "public": True, "local": True}, home=entity, number="9")
    subs = _subs("user", "public:local")
    subs.add(Subscription("hashtag", "welding"))
    assert _decoded(render.messages_for(events.home("bob", 3), BOB, subs, api)) == \
        [{"stream": ["user"], "event": "update", "payload": json.dumps(entity)}]
    got = _decoded(render.messages_for(events.status("https://x/1"), BOB, subs, api))
    assert [(m["stream"], m["event"]) for m in got] == [(["public:local"], "update"),
                                                         (["hashtag", "welding"], "update")]
    assert json.loads(got[0]["payload"]) == entity
    edited = _decoded(render.messages_for(events.status("https://x/1", update=True, users=["bob"]), BOB, subs, api))
    assert {m["event"] for m in edited} == {"status.update"} and ["user"] in [m["stream"] for m in edited]
    gone = _decoded(render.messages_for(events.delete("https://x/1", ["bob"], public=False), BOB, subs, api))
    assert gone == [{"stream": ["user"], "event": "delete", "payload": "9"}]


def test_nothing_for_what_the_api_does_not_show_the_user():
    subs = _subs("user", "public", "public:local")
    hidden = FakeApi(status=None, home=None, number=None)
    for event in (events.home("bob", 3), events.status("https://x/1", author="bob"),
                  events.delete("https://x/1", ["bob"], public=True)):
        assert render.messages_for(event, BOB, subs, hidden) == []
