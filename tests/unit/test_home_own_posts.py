"""The home timeline merges the user's own posts (from the outbox) with their inbox; a full
page of received items bounds the own posts read to its span (services/api/timelines.py):
paging through the client API still shows every post once, in order, in both directions."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from tests.inprocess import BASE, MEMBER

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)


def _seq(when: dt.datetime) -> int:
    return int(when.timestamp() * 1000) * 100_000  # services/api/timelines.py OWN_SCALE


@pytest.fixture
def home(node):
    """alice's inbox: bob's posts r0…r9 a minute apart; her own posts o1 (between r4 and r5)
    and o0 (before r0)."""
    from services.identity.credentials import digest
    from services.identity.models import OAuthToken
    from services.inbox.models import PROCESSED, InboundActivity, InboxItem, ReceivedObject
    from services.outbox.models import OutboxActivity

    node.local_user("alice")
    bob = f"{MEMBER}/users/bob"
    node.remote_actor(bob)
    OAuthToken(access_token_hash=digest("token-alice"), client_id="app", username="alice", scope="read").save()
    for k in range(10):
        uid = uuid.uuid4().hex
        note = {"id": f"{MEMBER}/objects/{uid}", "type": "Note", "attributedTo": bob, "content": f"<p>r{k}</p>",
                "to": [PUBLIC], "published": (T0 + dt.timedelta(minutes=k)).isoformat()}
        create = {"id": f"{MEMBER}/activities/{uid}", "type": "Create", "actor": bob, "to": [PUBLIC], "object": note}
        InboundActivity(activity_id=create["id"], raw=create, activity_type="Create", signer=bob,
                        state=PROCESSED, holder="").save()
        ReceivedObject(object_id=note["id"], raw=note, attributed_to=bob).save()
        InboxItem(username="alice", activity_id=create["id"], seq=_seq(T0 + dt.timedelta(minutes=k))).save()
    for name, when in (("o1", T0 + dt.timedelta(minutes=4, seconds=30)), ("o0", T0 - dt.timedelta(minutes=10))):
        activity = node.publish("alice", {"type": "Note", "content": name, "to": [PUBLIC]})
        OutboxActivity.objects(activity_id=activity["id"]).update_one(set__created_at=when)
    return node


def _texts(resp) -> list[str]:
    return [re.sub(r"<[^>]+>", "", status["content"]) for status in resp.json]


def _page(node, query: str):
    resp = node.gateway.get(f"/api/v1/timelines/home?{query}", base_url=BASE,
                            headers={"Authorization": "Bearer token-alice"})
    assert resp.status_code == 200, resp.text
    return resp


def _link(resp, rel: str) -> str | None:
    found = re.search(r'<[^>]*\?([^>]*)>; rel="' + rel + '"', resp.headers.get("Link", ""))
    return found.group(1) if found else None


def test_paging_down_shows_own_posts_in_their_place(home):
    seen, query = [], "limit=4"
    for _ in range(6):
        resp = _page(home, query)
        if not resp.json:
            break
        seen += _texts(resp)
        query = _link(resp, "next")
    assert seen == ["r9", "r8", "r7", "r6", "r5", "o1", "r4", "r3", "r2", "r1", "r0", "o0"]


def test_paging_up_shows_own_posts_in_their_place(home):
    resp = _page(home, "limit=4&max_id=" + str(_seq(T0 - dt.timedelta(hours=1))))  # nothing that old
    assert resp.json == []
    seen, query = [], f"limit=4&min_id={_seq(T0 - dt.timedelta(hours=1))}"
    for _ in range(6):
        resp = _page(home, query)
        if not resp.json:
            break
        seen += list(reversed(_texts(resp)))
        query = _link(resp, "prev")
    assert seen == ["o0", "r0", "r1", "r2", "r3", "r4", "o1", "r5", "r6", "r7", "r8", "r9"]
