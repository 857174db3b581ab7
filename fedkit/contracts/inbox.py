"""The inbox service's contract: follow state, received activities, local delivery."""

from __future__ import annotations

from fedkit.contracts import Transport, json_if_ok, path_of

SERVICE = "inbox"

FOLLOWERS = "/internal/users/<username>/followers"  # GET: accepted followers' ids
IS_FOLLOWER = "/internal/users/<username>/is-follower"  # GET ?actor=
FOLLOWS_ACCEPTED = "/internal/follows/accepted"  # GET ?follower=&followee=
LOCAL_DELIVERY = "/internal/local-delivery"  # POST {activity, also_to, plan}: a local actor's activity
FOLLOW_REQUEST = "/internal/follow-request"  # GET ?id=: the Follow behind a relation
INVITATION = "/internal/invitation"  # GET ?id=&invitee=: an Invite a local user received


class InboxClient:
    def __init__(self, transport: Transport):
        self.transport = transport

    def followers(self, username: str) -> list[str]:
        """Actor ids (local and remote) that follow the local user, accepted."""
        return list(self.transport.get_json(SERVICE, path_of(FOLLOWERS, username=username))["followers"])

    def is_follower(self, username: str, actor: str) -> bool:
        data = self.transport.get_json(SERVICE, path_of(IS_FOLLOWER, username=username), params={"actor": actor})
        return bool(data.get("follower"))

    def follows_accepted(self, follower: str, followee: str) -> bool:
        data = self.transport.get_json(SERVICE, FOLLOWS_ACCEPTED,
                                       params={"follower": follower, "followee": followee})
        return bool(data.get("accepted"))

    def deliver_locally(self, activity: dict, also_to: list[str], plan: dict | None = None) -> dict | None:
        """Apply a local actor's activity here as if received; ``also_to``: the local actors
        it names (bto/bcc included); ``plan``: its audience plan (fedkit.audience)."""
        payload = {"activity": activity, "also_to": also_to}
        if plan is not None:
            payload["plan"] = plan
        return self.transport.post_json(SERVICE, LOCAL_DELIVERY, payload)

    def follow_request(self, follow_id: str) -> dict | None:
        """The Follow activity behind a pending or accepted relation; None if unknown."""
        return json_if_ok(self.transport.request("GET", SERVICE, FOLLOW_REQUEST, params={"id": follow_id}))

    def invitation(self, invite_id: str, invitee: str) -> dict | None:
        """An Invite of ``invitee`` this node received; None if there is none."""
        return json_if_ok(self.transport.request("GET", SERVICE, INVITATION,
                                                 params={"id": invite_id, "invitee": invitee}))
