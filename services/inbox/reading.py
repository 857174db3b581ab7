"""What a local reader may see of what the inbox holds: the visibility policy
(fedkit.rules.policy) asked with the follow state this service owns, objects shown in their
latest state, nothing of a suspended author but what the group keeps of a departed employee.
The inbox collection and the client API's reads (collections_api) both render through here."""

from __future__ import annotations

import logging

import requests
from flask import current_app, g, has_app_context

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.actors import CachedActor, is_suspended
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.tombstone import tombstone
from fedkit.protocol.vocab import TOMBSTONE, audience_of, id_of
from fedkit.rules.community_facts import community_admits, is_community_addressee
from fedkit.rules.policy import (
    LOCAL,
    Viewer,
    is_former_employee,
    kept_after_departure,
    may_see_object,
)
from fedkit.rules.registry import load_registry
from fedkit.runtime.internal import internal_client
from services.inbox.local_posts import with_local_objects
from services.inbox.models import FOLLOW_ACCEPTED, FollowRelation, InboundActivity, ReceivedObject
from services.inbox.objects import attributed_to

log = logging.getLogger(__name__)


def _config():
    return current_app.config["ARCHIPEL"]


def without_hidden(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("bto", "bcc", "@context")}


def _memo(name: str) -> dict:
    """A memo that lives as long as the request (a page asks the same questions often)."""
    return g.setdefault(name, {}) if has_app_context() else {}


def followers_collection_of(author: str) -> str | None:
    """The name of an author's followers collection (a remote one's from its actor document)."""
    if is_local(author, _config().base_url):
        return author + "/followers"
    memo = _memo("followers_collections")
    if author not in memo:
        cached = CachedActor.objects(actor_id=author).only("followers").first()
        memo[author] = cached.followers if cached else None
    return memo[author]


def _follows_accepted(follower: str, followee: str) -> bool:
    memo = _memo("follows_accepted")
    if (follower, followee) not in memo:
        memo[(follower, followee)] = FollowRelation.objects(
            follower=follower, followee=followee, state=FOLLOW_ACCEPTED).first() is not None
    return memo[(follower, followee)]


def _community_admits(addressee: str, viewer: Viewer) -> bool | None:
    return community_admits(addressee, viewer, _config(), internal_client(), _follows_accepted)


def _author_suspended(actor: str | None) -> bool:
    """Is this author's account closed (suspended)? Remote actors as this node's cache
    records them, local ones as identity says; remembered for the request."""
    if not actor:
        return False
    memo = _memo("suspended_authors")
    if actor not in memo:
        prefix = _config().base_url + "/users/"
        name = actor[len(prefix):] if actor.startswith(prefix) else None
        if name is not None:
            try:
                if name and "/" not in name:
                    account = IdentityClient(internal_client()).account(name)
                    memo[actor] = account is None or account.suspended  # gone counts as closed
                else:
                    memo[actor] = False
            except requests.RequestException as exc:  # identity down: the inbox still reads
                log.warning("cannot tell whether %s is suspended: %s", actor, type(exc).__name__)
                memo[actor] = False
        else:
            memo[actor] = is_suspended(actor)
    return memo[actor]


AUTHORS_AT_ONCE = 500  # what identity answers for in one call


def know_authors(authors: list[str]) -> None:
    """``_author_suspended`` of a page's local authors, asked of identity in one call rather
    than one per author (those it cannot answer now are asked one by one later)."""
    memo, prefix = _memo("suspended_authors"), _config().base_url + "/users/"
    names = {a: a[len(prefix):] for a in dict.fromkeys(authors)
             if a and a not in memo and a.startswith(prefix) and a[len(prefix):] and "/" not in a[len(prefix):]}
    wanted = list(names.items())
    for start in range(0, len(wanted), AUTHORS_AT_ONCE):
        some = dict(wanted[start:start + AUTHORS_AT_ONCE])
        try:
            still_open = IdentityClient(internal_client()).open_accounts(list(some.values()))
        except requests.RequestException as exc:
            log.warning("cannot tell which authors are closed: %s", type(exc).__name__)
            return
        memo.update({actor: name not in still_open for actor, name in some.items()})


def _author_withheld(author: str | None, obj: dict) -> bool:
    """Is this post hidden because its author's account is closed? Not when the group keeps a
    departed employee's public, group and community posts (fedkit.rules.policy
    .kept_after_departure): a local author's closure says it is one, a remote author's
    document must say so (``formerEmployee``, from a member node)."""
    if not _author_suspended(author):
        return False
    config = _config()
    registry = load_registry(config)
    if not registry.keeps_departed_content:
        return True
    if not is_local(author, config.base_url):
        cached = CachedActor.objects(actor_id=author).only("raw_json").first()
        if cached is None or not is_former_employee(cached.raw, registry):
            return True
    return not kept_after_departure(audience_of(obj), config=config, registry=registry,
                                    is_community=lambda a: is_community_addressee(a, config))


def _withheld(object_id) -> dict:
    """What stands for a post of a suspended author: its id, nothing of its content."""
    return tombstone(object_id if isinstance(object_id, str) else None)


def reader_may_see(obj: dict, reader: str) -> bool:
    """May the inbox owner (a local user) see this stored object? fedkit.rules.policy decides,
    as for serving it; the inbox brings the follow state it owns. Nothing of a suspended
    author is shown (it comes back if the account is reactivated)."""
    return viewer_may_see(obj, Viewer(LOCAL, reader))


def viewer_may_see(obj: dict, viewer: Viewer) -> bool:
    """``reader_may_see`` for any viewer (fedkit.rules.policy.viewer_of a request)."""
    if obj.get("type") == TOMBSTONE:
        return True
    config = _config()
    author = attributed_to(obj)
    if _author_withheld(author, obj):
        return False
    addressees = audience_of(obj)
    if author:
        # The policy knows followers collections as ``<author>/followers``; a remote
        # author's may be named otherwise (its actor document says which).
        followers = followers_collection_of(author)
        if followers and followers in addressees and author + "/followers" not in addressees:
            addressees.append(author + "/followers")

    def is_follower_of_author(actor: str) -> bool:
        return _follows_accepted(actor, author)

    return may_see_object(author=author, addressees=addressees, viewer=viewer, config=config,
                          registry=load_registry(config), is_follower_of_author=is_follower_of_author,
                          community_admits=_community_admits)


def _latest(obj, reader: str):
    """The latest state of an embedded or referenced object (edits, Tombstones) — but only
    what the reader may see: an Announce or Like of a private post names it, not opens it."""
    object_id = obj.get("id") if isinstance(obj, dict) else obj
    if isinstance(obj, dict):
        obj = without_hidden(obj)
    if isinstance(object_id, str):
        current = _received(object_id)
        if current is not None and _author_withheld(current.attributed_to, current.raw):
            return _withheld(object_id)
        if current is not None and reader_may_see(current.raw, reader):
            return without_hidden(current.raw)
    if isinstance(obj, dict) and _author_withheld(attributed_to(obj), obj):
        return _withheld(object_id)
    return obj


def _received(object_id: str) -> ReceivedObject | None:
    """This node's copy of an object (those of a page are read at once, ``_read_received``)."""
    memo = _memo("received_objects")
    if object_id not in memo:
        memo[object_id] = ReceivedObject.objects(object_id=object_id).first()
    return memo[object_id]


def _read_received(object_ids) -> None:
    wanted = [i for i in dict.fromkeys(object_ids) if isinstance(i, str)]
    memo = _memo("received_objects")
    found = {r.object_id: r for r in ReceivedObject.objects(object_id__in=wanted)} if wanted else {}
    memo.update({i: found.get(i) for i in wanted})


def _object_ids(raw: dict) -> list:
    """The ids of an activity's object and, for a relayed Create, of the post inside it."""
    obj = raw.get("object")
    inner = obj.get("object") if isinstance(obj, dict) else None
    return [id_of(obj), id_of(inner)]


def render_inbox_activity(activity_id: str, reader: str) -> dict | None:
    """An activity in ``reader``'s inbox as they see it (None if unknown)."""
    return render_inbox_activities([activity_id], reader)[0]


def render_inbox_activities(activity_ids: list[str], reader: str) -> list[dict | None]:
    """``render_inbox_activity`` for a page: this node's own posts in it are read from the
    outbox in one call (services/inbox/local_posts.py)."""
    found = {a.activity_id: a for a in InboundActivity.objects(activity_id__in=list(activity_ids))}
    return render_inbound(list(found.get(i) for i in activity_ids), reader)


def render_inbound(inbound: list[InboundActivity | None], reader: str) -> list[dict | None]:
    """``render_inbox_activities`` of activities already read: their objects in one query,
    this node's own posts in one call to the outbox."""
    _read_received(i for a in inbound if a is not None for i in _object_ids(a.raw))
    return shown_whole([_rendered(a, reader) if a is not None else None for a in inbound])


def shown_whole(docs: list) -> list:
    """Documents about to be shown, with this node's own posts in them as the outbox holds them."""
    return with_local_objects(docs, internal_client(), _config().base_url)


def _rendered(inbound: InboundActivity, reader: str) -> dict:
    activity = without_hidden(inbound.raw)
    if isinstance(activity.get("object"), dict) and _author_withheld(id_of(activity.get("actor")), activity):
        # What a suspended actor sent (its Create, its Update…) shows nothing of its content.
        activity["object"] = _withheld(activity["object"].get("id"))
        return activity
    activity["object"] = _latest(activity.get("object"), reader)
    inner = activity["object"]
    if isinstance(inner, dict) and isinstance(inner.get("object"), dict):
        # A community's Announce embeds the member's Create: show the post as this node
        # stored it after checking the relay, as it is now (a removal leaves a Tombstone);
        # never the relay's embedded copy itself, which only the Group vouches for.
        current = _latest(inner["object"].get("id"), reader)
        activity["object"] = {**inner, "object": current if isinstance(current, dict) else current or None}
    return activity
