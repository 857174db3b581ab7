"""Helpers for the community end-to-end tests."""

from __future__ import annotations

import uuid

from tests.plugin import wait_until


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def members(client, slug: str, username: str) -> list[str]:
    resp = client.api("GET", f"/communities/{slug}/followers", username)
    assert resp.status_code == 200, resp.text
    return resp.json()["orderedItems"]


def membership_state(client, slug: str, actor: str) -> str | None:
    found = client.db.memberships.find_one({"community": slug, "actor": actor})
    return found["state"] if found else None


def join(node, username: str, community: dict) -> dict:
    return node.publish(username, {"type": "Follow", "object": community["id"]})


def join_and_wait(host, node, username: str, community: dict) -> None:
    join(node, username, community)
    actor = node.actor(username)
    wait_until(lambda: membership_state(host, community["slug"], actor) == "member",
               message=f"{username} to become a member of {community['slug']}")
    # and their own node knows it (the Accept arrived): Announces reach them
    wait_until(lambda: node.db.follows.find_one({"follower": actor, "followee": community["id"],
                                                 "state": "accepted"}),
               message=f"the community's Accept to reach {username}'s node")


def post_to(node, username: str, community: dict, text: str, **extra) -> dict:
    return node.publish(username, {"type": "Note", "content": text, "to": [community["id"]], **extra})


def inbox_object(client, username: str, object_id: str) -> dict | None:
    """The object as the user's inbox shows it (directly or inside an Announce)."""
    for item in client.inbox(username):
        obj = item.get("object")
        if isinstance(obj, dict) and obj.get("id") == object_id:
            return obj
        if isinstance(obj, dict) and isinstance(obj.get("object"), dict) and obj["object"].get("id") == object_id:
            return obj["object"]
    return None


def processed_on(client, activity_id: str) -> bool:
    found = client.db.inbound_activities.find_one({"_id": activity_id})
    return bool(found) and found["state"] != "received"
