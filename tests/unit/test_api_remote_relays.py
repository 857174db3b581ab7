"""A community of another node in the client API: its account's statuses are the relays
(FEP-1b12 Announces) this node received from its Group, as reblogs by the community
account, newest first and paged, with the posts this node's own people sent to it (the
Group relays a post to every member but its author) — what a member here sees of it, and
what the web app's community page shows (services/api/communities.py ``relays``)."""

from __future__ import annotations

import re

from fedkit.protocol.vocab import PUBLIC
from tests.inprocess import MEMBER
from tests.unit.api_support import ApiUser

BOB = f"{MEMBER}/users/bob"
GROUP = f"{MEMBER}/communities/lean"


def _relay(node, group, n: int) -> str:
    """The Group relays bob's post ``n`` to amelie (a member); returns the post's id."""
    note = {"id": f"{MEMBER}/objects/{n}", "type": "Note", "attributedTo": BOB, "content": f"<p>kaizen {n}</p>",
            "to": [GROUP], "cc": [PUBLIC]}
    announce = {"id": f"{GROUP}/relays/{n}", "type": "Announce", "actor": GROUP, "to": [f"{GROUP}/followers"],
                "object": {"id": f"{MEMBER}/activities/{n}", "type": "Create", "actor": BOB, "object": note,
                           "to": note["to"], "cc": note["cc"]}}
    assert node.deliver(announce, by=group, path="/users/amelie/inbox").status_code == 202
    node.run()
    return note["id"]


def test_a_remote_communitys_statuses_are_the_relays_received_from_it(node):
    node.local_user("amelie")
    group = node.remote_actor(GROUP, actor_type="Group")
    node.remote_actor(BOB)
    node.follows(node.actor("amelie"), GROUP)  # the Group accepted her: a member
    posts = [_relay(node, group, n) for n in (1, 2)]
    amelie = ApiUser(node, "amelie")
    home = amelie.get("/api/v1/timelines/home").json
    group_id = next(s["account"]["id"] for s in home if s["reblog"] and s["reblog"]["uri"] == posts[0])
    statuses = amelie.get(f"/api/v1/accounts/{group_id}/statuses")
    assert statuses.status_code == 200, statuses.text
    assert [s["reblog"]["uri"] for s in statuses.json] == posts[::-1]
    assert {s["account"]["id"] for s in statuses.json} == {group_id}
    first = amelie.get(f"/api/v1/accounts/{group_id}/statuses?limit=1")
    assert [s["reblog"]["uri"] for s in first.json] == [posts[1]]
    older = re.search(r'<[^>]*\?([^>]*)>; rel="next"', first.headers["Link"]).group(1)
    assert [s["reblog"]["uri"] for s in amelie.get(f"/api/v1/accounts/{group_id}/statuses?{older}").json] \
        == [posts[0]]


def test_ones_own_post_to_a_remote_community_is_among_its_statuses(node):
    node.local_user("amelie")
    group = node.remote_actor(GROUP, actor_type="Group")
    node.remote_actor(BOB)
    node.follows(node.actor("amelie"), GROUP)
    relayed = _relay(node, group, 1)
    own = node.publish("amelie", {"type": "Note", "content": "my question", "to": [GROUP]})
    node.publish("amelie", {"type": "Note", "content": "elsewhere", "to": [node.actor("amelie") + "/followers"]})
    node.run()
    amelie = ApiUser(node, "amelie")
    group_id = next(s["account"]["id"] for s in amelie.get("/api/v1/timelines/home").json
                    if s["reblog"] and s["reblog"]["uri"] == relayed)
    statuses = amelie.get(f"/api/v1/accounts/{group_id}/statuses").json
    assert [(s["reblog"] or s)["uri"] for s in statuses] == [own["object"]["id"], relayed]
    assert statuses[0]["reblog"] is None and statuses[0]["account"]["acct"] == "amelie"  # her own, as posted
