"""Communities in apps: a community (an FEP-1b12 Group actor) is an account with
``group: true`` (docs.joinmastodon.org/entities/Account/#group). Following it joins (or
asks to join); a status that mentions it is addressed to it, and its Group relays it to
the members; its relays (Announces) show as reblogs by the community account.

A community on this node is read from the communities service, as the requester sees it
(its visibility policy applied: a hidden one is no account at all for a non-member); a
community on another node is a remote actor like any other, and this node knows of the
requester's membership what its follow state says (the Group's Accept arrived).
"""

from __future__ import annotations

import re

from flask import current_app, g

from fedkit.protocol.local_ids import COMMUNITIES, is_local, local_community
from fedkit.protocol.vocab import GROUP, PUBLIC_ALIASES, as_list, id_of, local_actor_id, type_of
from services.api import communities_upstream, converter, upstream

# The communities service's membership states (services/communities/models.py).
MEMBER, PENDING, INVITED, BANNED = "member", "pending", "invited", "banned"
OWNER = "owner"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_]{1,29}$")  # a community's name (services/communities/management.py)


def _base_url() -> str:
    return current_app.config["ARCHIPEL"].base_url


def actor_of_slug(slug: str) -> str:
    return f"{_base_url()}/{COMMUNITIES}/{slug}"


def local_slug(actor: str | None) -> str | None:
    """The slug when ``actor`` is one of this node's communities (the Group itself)."""
    slug = local_community(actor, _base_url())
    return slug if slug and SLUG.match(slug) and actor == actor_of_slug(slug) else None


def local_info(actor: str | None) -> dict | None:
    """What the communities service says of a local community to the requester (once per
    request); None when it is no local community or the requester may not see it."""
    slug = local_slug(actor)
    if slug is None:
        return None
    memo = g.setdefault("api_communities", {})
    if actor not in memo:
        memo[actor] = communities_upstream.community(slug)
    return memo[actor]


def local_document(actor: str) -> dict | None:
    info = local_info(actor)
    return info["document"] if info else None


def local_counts(actor: str) -> converter.Counts | None:
    """A local community's counts as an account: its posts and its members (followers)."""
    info = local_info(actor)
    return converter.Counts(statuses=info["posts"], followers=info["members"]) if info else None


def mentionable(username: str) -> str | None:
    """The actor of the local community a status's ``@name`` names, if the author sees it."""
    actor = actor_of_slug(username)
    return actor if local_info(actor) is not None else None


def with_membership(actor: str, state: dict) -> dict:
    """The follow state with a local community (``following``: accepted for a member,
    pending for a request waiting for a manager), from the community's own record — a
    creator never sent a Follow, an invitee may have joined by accepting the Invite."""
    info = local_info(actor)
    if info is None:
        return state
    following = {MEMBER: converter.FOLLOW_ACCEPTED, PENDING: converter.FOLLOW_PENDING}.get(info["membership"])
    return {**state, "following": following}


def join_refusal(actor: str) -> str | None:
    """Why following this community cannot make the requester a member, or None. Only this
    node's communities are known well enough; another node's Group answers by itself."""
    info = local_info(actor)
    if info is None or info["membership"] == MEMBER:
        return None
    document = info["document"]
    if info["membership"] == BANNED:
        return "You are banned from this community"
    if document.get("archived"):
        return "This community is archived: it takes no new members"
    if document.get("openness") == "closed" and info["membership"] != INVITED:
        return "This community is joined by invitation only: ask one of its managers to invite you"
    return None


def leave_refusal(actor: str) -> str | None:
    info = local_info(actor)
    if info is not None and info["membership"] == MEMBER and info["role"] == OWNER:
        return "The owner of a community hands ownership to another member before leaving it"
    return None


def _may_be_actor(address: str | None) -> bool:
    """Not the public, an audience, a collection: an address that may name a Group."""
    return bool(address) and address not in PUBLIC_ALIASES and not address.endswith("/followers") \
        and address.startswith(("https://", "http://"))


def of_thread(parent: dict) -> list[str]:
    """The communities a post being answered was addressed to: the answer goes there too
    (FEP-1b12: a reply in a community's thread is addressed to the Group, which relays it)."""
    author = id_of(parent.get("attributedTo"))
    found = []
    for key in ("to", "cc", "audience"):
        for address in (id_of(a) for a in as_list(parent.get(key))):
            if not _may_be_actor(address) or address == author or address in found:
                continue
            if local_slug(address) is not None:
                if local_info(address) is not None:
                    found.append(address)
            elif not is_local(address, _base_url()):
                document = upstream.remote_actor(address)
                if document is not None and type_of(document) == GROUP:
                    found.append(address)
    return found


POSTING_REFUSALS = {
    "not a member": "You are not a member of the community {name}: follow it to join before posting to it",
    "banned": "You are banned from the community {name}",
    "archived": "The community {name} is archived: it takes no new posts",
    "posting is restricted to moderators": "Only the moderators of the community {name} may post to it",
}


# Refusals of a right the requester lacks (403); the others are about the post's addressing (422).
FORBIDDING = ("banned", "posting is restricted to moderators")


def posting_refusal(addressees: list[str]) -> str | None:
    """The reason of ``refusal_of``, or None."""
    refusal = refusal_of(addressees)
    return refusal[1] if refusal else None


def refusal_of(addressees: list[str]) -> tuple[int, str] | None:
    """(status, why) a status addressed to these (its to and cc) would be refused by a community
    among them (services/communities/federation.py ``may_post``: the Group would drop it), or
    None. Asked before publishing, so that the app shows the reason instead of a post that
    silently reaches nobody: 403 when the requester may not post there (an announcement
    channel's member, a banned actor), 422 otherwise."""
    me = local_actor_id(_base_url(), g.requester.user)
    for actor in dict.fromkeys(addressees):
        if not _may_be_actor(actor) or actor == me:
            continue
        info = local_info(actor)
        if info is not None:
            why = info.get("may_post")
            if why:
                template = POSTING_REFUSALS.get(why, "You cannot post to the community {name}: " + why)
                return (403 if why in FORBIDDING else 422,
                        template.format(name=info["document"].get("name") or local_slug(actor)))
            continue
        if is_local(actor, _base_url()):
            continue
        document = upstream.remote_actor(actor)
        if document is None or type_of(document) != GROUP:
            continue
        name = document.get("name") or actor
        if upstream.relationships(me, [actor]).get(actor, {}).get("following") != converter.FOLLOW_ACCEPTED:
            return 422, POSTING_REFUSALS["not a member"].format(name=name)
        if document.get("postingRestrictedToMods") is True and not _moderates(me, document):
            return 403, POSTING_REFUSALS["posting is restricted to moderators"].format(name=name)
    return None


def _moderates(me: str, group: dict) -> bool:
    """Is ``me`` among the moderators of another node's Group (its ``attributedTo``
    collection, as Lemmy publishes them, read as the requester)? When it cannot be read,
    the Group decides: True."""
    collection = id_of(group.get("attributedTo"))
    if not collection:
        return True
    try:
        found = communities_upstream.remote_document(collection)
    except upstream.Unavailable:
        return True
    if not isinstance(found, dict):
        return True
    items = found.get("orderedItems", found.get("items"))
    if not isinstance(items, list) or found.get("totalItems", len(items)) != len(items):
        return True  # a paged collection: not read whole here
    return me in {id_of(i) for i in items}


def relays(actor: str, *, limit: int, max_id: str | None = None, since_id: str | None = None,
           min_id: str | None = None) -> list[dict] | None:
    """A community's relays as its account's statuses: [{"activity", "cursor"}], each
    Announce naming its post by id (read again as the requester: the policy decides). A
    community of another node: the relays this node received from its Group. None for an
    actor that is no community."""
    slug = local_slug(actor)
    if slug is None:
        if is_local(actor, _base_url()):
            return None
        document = upstream.remote_actor(actor)
        if document is None or type_of(document) != GROUP:
            return None
        return communities_upstream.received_relays(actor, limit=limit, max_id=max_id, since_id=since_id, min_id=min_id)
    items = communities_upstream.community_relays(slug, limit=limit, max_id=max_id, since_id=since_id, min_id=min_id)
    return [{**item, "activity": {**item["activity"], "object": item["activity"]["object"].get("id")}}
            for item in items if isinstance(item["activity"].get("object"), dict)]


def members(actor: str, *, limit: int, max_id: str | None = None, since_id: str | None = None,
            min_id: str | None = None) -> list[dict] | None:
    """A local community's members as its account's followers: [{"actor", "cursor"}];
    None for a community of another node (this node knows only its own members of it)."""
    slug = local_slug(actor)
    if slug is None:
        return None
    return communities_upstream.community_members(slug, limit=limit, max_id=max_id, since_id=since_id, min_id=min_id)
