"""The inbox's answer to "which invitation is the user answering?" (services/inbox/
internal_api.py ``invitation``, asked by the outbox for an Accept or Reject of an Invite):
an Invite from another node, or from one of this node's communities (a local user cannot
post an Invite: the outbox refuses it)."""

from __future__ import annotations

from fedkit.contracts.inbox import InboxClient
from tests.unit.api_support import ApiUser


def test_a_local_communitys_invite_is_found_for_its_invitee(node):
    for name in ("alice", "bob", "carol"):
        node.local_user(name)
    node.community("board", owner=node.actor("alice"), openness="closed")
    resp = ApiUser(node, "alice").post("/communities/board/members",
                                       json={"action": "invite", "actor": node.actor("bob")})
    assert resp.status_code == 200, resp.text
    refused = node.send("carol", {"type": "Invite", "object": f"{node.base}/communities/board",
                                  "target": node.actor("bob"), "to": [node.actor("bob")]})
    assert refused.status_code == 422
    node.run()
    group_invite = next(a for a in node.sent_by(f"{node.base}/communities/board") if a["type"] == "Invite")
    inbox = InboxClient(node.internal)
    assert inbox.invitation(group_invite["id"], node.actor("bob"))["actor"] == f"{node.base}/communities/board"
    assert inbox.invitation(group_invite["id"], node.actor("carol")) is None  # not hers
