"""The home timeline read in bounded ``seq`` windows (services/inbox/windows.py): paging
across window boundaries and across gaps loses and repeats nothing, in both directions;
and a page examines about a page of index keys, not the whole inbox (explain of every
query the page sends to the inbox's items)."""

from __future__ import annotations

import uuid

import pytest

from tests.inprocess import MEMBER

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
SCOPES = ["read:statuses"]


@pytest.fixture
def reader(node):
    node.local_user("alice")
    node.remote_actor(f"{MEMBER}/users/bob")
    return node


def _seed(seqs: list[int], *, likes_every: int = 0) -> list[int]:
    """bob's public posts in alice's inbox at these ``seq``s (as the inbox stores a received
    Create); with ``likes_every``, a Like (no post) after every n-th. Returns the posts' seqs."""
    from services.inbox.models import PROCESSED, InboundActivity, InboxItem, ReceivedObject

    bob = f"{MEMBER}/users/bob"
    for i, seq in enumerate(seqs):
        uid = uuid.uuid4().hex
        note = {"id": f"{MEMBER}/objects/{uid}", "type": "Note", "attributedTo": bob, "content": f"<p>{i}</p>",
                "to": [PUBLIC], "cc": [f"{bob}/followers"]}
        create = {"id": f"{MEMBER}/activities/{uid}", "type": "Create", "actor": bob, "to": note["to"],
                  "cc": note["cc"], "object": note}
        InboundActivity(activity_id=create["id"], raw=create, activity_type="Create", signer=bob,
                        state=PROCESSED, holder="").save()
        ReceivedObject(object_id=note["id"], raw=note, attributed_to=bob).save()
        InboxItem(username="alice", activity_id=create["id"], seq=seq).save()
        if likes_every and i % likes_every == 0:
            like = {"id": f"{MEMBER}/likes/{uid}", "type": "Like", "actor": bob, "object": note["id"]}
            InboundActivity(activity_id=like["id"], raw=like, activity_type="Like", signer=bob,
                            state=PROCESSED, holder="").save()
            InboxItem(username="alice", activity_id=like["id"], seq=seq + 1).save()
    return list(seqs)


# Three bursts far apart: dense (1 apart), sparse (a second apart), very sparse (an hour).
BASE_SEQ = 170_000_000_000_000_000
SEQS = ([BASE_SEQ + 2 * i for i in range(23)] + [BASE_SEQ + 10**12 + i * 10**8 for i in range(19)]
        + [BASE_SEQ + 10**15 + i * 36 * 10**10 for i in range(11)])


@pytest.fixture(params=[None, 3, 10**9], ids=["default-width", "tiny-windows", "wide-windows"])
def first_width(request, monkeypatch):
    from services.inbox import windows

    if request.param:
        monkeypatch.setattr(windows, "_first_width", lambda *_: request.param)
    return request.param


def _home(node, **cursors) -> list[int]:
    from fedkit.contracts.inbox import InboxClient

    items = InboxClient(node.internal).home("alice", scopes=SCOPES, limit=7, **cursors)
    return [int(item["cursor"]) for item in items]


def test_paging_down_loses_and_repeats_nothing(reader, first_width):
    posts = _seed(SEQS, likes_every=4)
    seen, cursor = [], None
    for _ in range(30):
        page = _home(reader, max_id=str(cursor)) if cursor else _home(reader)
        if not page:
            break
        assert page == sorted(page, reverse=True)
        seen += page
        cursor = page[-1]
    assert seen == sorted(posts, reverse=True)


def test_paging_up_with_min_id_loses_and_repeats_nothing(reader, first_width):
    posts = _seed(SEQS, likes_every=5)
    seen, cursor = [], BASE_SEQ - 10**9
    for _ in range(30):
        page = _home(reader, min_id=str(cursor))
        if not page:
            break
        assert page == sorted(page, reverse=True)  # newest first, the oldest just above the cursor
        seen += reversed(page)
        cursor = page[0]
    assert seen == sorted(posts)


def test_since_and_max_id_bound_a_page_on_both_sides(reader, first_width):
    posts = sorted(_seed(SEQS))
    since, below = posts[5], posts[20]
    assert _home(reader, since_id=str(since), max_id=str(below)) == sorted(posts[6:20], reverse=True)[:7]
    assert _home(reader, min_id=str(since), max_id=str(below)) == sorted(posts[6:13], reverse=True)


def test_an_item_delivered_later_is_on_the_first_page(reader):
    """The inbox's head is kept on write by the handlers' path, and the first window is open
    upwards: an item delivered after the head was (lazily) built is on the next first page."""
    from fedkit.protocol.vocab import Document
    from services.inbox.context import HandlerContext, next_seq
    from services.inbox.models import InboxHead, InboxItem

    _seed([next_seq() for _ in range(5)])
    assert len(_home(reader)) == 5  # builds the head from the items
    newest = _seed([next_seq()])  # written without the head: still shown first
    assert _home(reader)[0] == newest[0]
    create = {"id": f"{MEMBER}/activities/later", "type": "Create", "actor": f"{MEMBER}/users/bob"}
    HandlerContext(reader.config, reader.internal, Document(create)).deliver_to_inbox(["alice"], create["id"])
    last = InboxItem.objects(username="alice", activity_id=create["id"]).first().seq
    assert InboxHead.objects(username="alice").first().last_seq == last


def test_a_delivery_before_any_read_hides_no_older_item(reader):
    """An inbox filled before heads were kept gets a delivery before its first read: the
    head is then built from every item, not started at the new one."""
    from fedkit.protocol.vocab import Document
    from services.inbox.context import HandlerContext, next_seq

    older = _seed([next_seq() for _ in range(3)])
    create = {"id": f"{MEMBER}/activities/first-after-upgrade", "type": "Create", "actor": f"{MEMBER}/users/bob"}
    HandlerContext(reader.config, reader.internal, Document(create)).deliver_to_inbox(["alice"], create["id"])
    newer = _seed([next_seq()])
    assert _home(reader) == sorted(older + newer, reverse=True)


def test_a_page_examines_about_a_page_of_keys(reader, monkeypatch):
    """The old read (sort by seq, limit) made the embedded database examine every item of
    the inbox; windows examine about what the page shows."""
    from pymongo.synchronous.cursor import Cursor

    from services.inbox.context import next_seq

    _seed([next_seq() for _ in range(400)])
    _home(reader)  # the first read may rebuild the inbox's head (one scan, once)
    sent: list[Cursor] = []
    real_init = Cursor.__init__

    def recording(self, collection, *args, **kwargs):
        real_init(self, collection, *args, **kwargs)
        if collection.name == "inbox_items":
            sent.append(self)

    monkeypatch.setattr(Cursor, "__init__", recording)
    assert len(_home(reader)) == 7
    monkeypatch.setattr(Cursor, "__init__", real_init)
    examined = sum(c.clone().explain()["executionStats"]["totalKeysExamined"] for c in sent)
    assert sent and examined <= 100, examined
