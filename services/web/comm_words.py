"""Communities in plain words: openness, purpose, the viewer's standing, and the one
action the viewer can take (services/communities/models.py says what the values mean)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from services.web import manage_support

# The communities service's openness: free (anyone joins), open (a manager approves),
# closed (invitation only).
OPENNESS = {
    "free": (_l("Open"), _l("Anyone in the group joins at once.")),
    "open": (_l("On request"), _l("Anyone may ask to join; a manager approves.")),
    "closed": (_l("Invitation only"), _l("Only the people its managers invite join.")),
}
PURPOSES = {"professional": _l("Professional"), "social": _l("Social and hobbies")}
# The viewer's standing in a community, as the communities service's listing says it.
MEMBER, PENDING, INVITED, BANNED = "member", "pending", "invited", "banned"
STAFF = manage_support.STAFF  # the roles that open the managers' pages (the "Manage" link)
COMMUNITY = "community"  # the composer's audience "this community" (services/web/comm_compose.py)


def openness(value: str) -> str:
    return str(OPENNESS[value][0]) if value in OPENNESS else value


def openness_help(value: str) -> str:
    return str(OPENNESS[value][1]) if value in OPENNESS else ""


def purpose(value: str) -> str:
    return str(PURPOSES[value]) if value in PURPOSES else value


def action(item: dict) -> str:
    """What the viewer can do or is: join, ask, accept (an invitation), pending, member,
    closed (invitation only, not invited) or none (banned, archived)."""
    standing = item.get("membership")
    if standing in (MEMBER, PENDING):
        return standing
    if standing == INVITED:
        return "accept"
    if standing == BANNED or item.get("archived"):
        return "none"
    return {"free": "join", "open": "ask"}.get(item.get("openness"), "closed")

def community_option(item: dict) -> dict:
    """The composer's audience "this community", offered (and chosen) on its page."""
    return {"value": COMMUNITY, "label": _("This community (%(name)s)", name=item.get("name") or item.get("slug")),
            "explanation": _("Its members, and the people who may see the community.")}
