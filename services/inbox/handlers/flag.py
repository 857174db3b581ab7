"""Flag: another server reports this node's people or posts (Mastodon's report
forwarding, app/lib/activitypub/activity/flag.rb: ``object`` lists the account and its
posts, ``content`` is the comment, the actor is the sending server's instance actor);
and Accept/Reject of a Flag sent from here: the outcome of one of our users' reports.

A Flag is filed as a report for this node's moderators (services/inbox/reports.py) when it
names a local account, or local posts of one author, or another server's posts addressed
to one of this node's communities (for that community's moderators). Refused, with the
reason kept on the stored activity: a Flag naming none of these. Posts are taken at the word of a
member node of the group (its user saw them; the node checked); from outside the group
only the posts the sender may see are kept, so a Flag cannot probe what exists — an
unknown post and a hidden one are dropped alike, and the sender is told nothing either way.
"""

from __future__ import annotations

from fedkit.contracts.identity import IdentityClient
from fedkit.contracts.outbox import OutboxClient
from fedkit.protocol.local_ids import local_community
from fedkit.protocol.vocab import (
    ACCEPT,
    FLAG,
    PUBLIC,
    REJECT,
    TOMBSTONE,
    as_list,
    audience_of,
    id_of,
)
from fedkit.rules.policy import OUTSIDE
from fedkit.rules.registry import load_registry
from services.inbox import reports
from services.inbox.context import HandlerContext
from services.inbox.dispatch import handles
from services.inbox.models import PROCESSED, ReceivedObject

MAX_OBJECTS = 100  # an account and its posts; Mastodon's form allows far fewer


@handles(FLAG)
def on_flag(ctx: HandlerContext) -> str:
    sender, raw = ctx.activity.actor_id, ctx.activity.raw
    if ctx.is_local(sender):
        return PROCESSED  # our own Flag, on its way out (the outbox hands it to this inbox too)
    named = [i for i in (id_of(o) for o in as_list(raw.get("object"))) if i][:MAX_OBJECTS]
    comment = raw.get("content") if isinstance(raw.get("content"), str) else ""
    accounts = [a for a in named if ctx.local_username(a)]
    posts = [p for p in named if ctx.is_local(p) and p not in accounts]
    inside = load_registry(ctx.config).is_inside(sender)
    seen = {**_posts_seen(ctx, posts, sender, inside),
            **_community_posts(ctx, [p for p in named if not ctx.is_local(p)], inside)}
    target = id_of(accounts[0] if accounts else next(iter(seen.values()), {}).get("attributedTo"))
    if not target or (ctx.is_local(target) and not _account_exists(ctx, target)):
        return ctx.refuse("flag_names_nothing_here: no account of this node, nor a post in one of its "
                          "communities, among its objects")
    # Mastodon keeps only the reported account's own posts.
    kept = {uri: obj for uri, obj in seen.items() if id_of(obj.get("attributedTo")) == target}
    communities = sorted({a for obj in kept.values() for a in audience_of(obj) if _is_community(ctx, a)})
    reports.file_received(flag_id=ctx.activity.id or ctx.stored_id, sender=sender, target=target,
                          status_uris=list(kept), comment=comment, communities=communities)
    return PROCESSED


def _posts_seen(ctx: HandlerContext, posts: list[str], sender: str, inside: bool) -> dict[str, dict]:
    """The local posts among ``posts`` that exist (not deleted) and, for a sender outside
    the group, that it may see (the visibility policy, as for its signed fetch)."""
    if not posts:
        return {}
    outbox = OutboxClient(ctx.internal)
    held = {uri: obj for uri, obj in outbox.local_objects(posts).items()
            if isinstance(obj, dict) and obj.get("type") != TOMBSTONE}
    if inside:
        return held
    return {uri: obj for uri, obj in held.items()
            if outbox.local_object(uri, user=None, signer=sender, viewer=OUTSIDE)[0] == 200}


def _community_posts(ctx: HandlerContext, posts: list[str], inside: bool) -> dict[str, dict]:
    """Other servers' posts among ``posts`` that were addressed to a community of this node
    (FEP-1b12: the community's moderators get reports about what is posted to it); from
    outside the group only public ones, which anyone may see."""
    if not posts:
        return {}
    found = {}
    for record in ReceivedObject.objects(object_id__in=posts[:MAX_OBJECTS], deleted=False):
        addressees = audience_of(record.raw)
        if any(_is_community(ctx, a) for a in addressees) and (inside or PUBLIC in addressees):
            found[record.object_id] = record.raw
    return found


def _is_community(ctx: HandlerContext, iri: str) -> bool:
    """A local community's Group actor itself (not its followers collection)."""
    slug = local_community(iri, ctx.config.base_url)
    return bool(slug) and iri == f"{ctx.config.base_url}/communities/{slug}"


def _account_exists(ctx: HandlerContext, actor: str) -> bool:
    username = ctx.local_username(actor)
    return bool(username) and IdentityClient(ctx.internal).account(username) is not None


def _outcome(ctx: HandlerContext, acted: bool) -> str:
    sender = ctx.activity.actor_id
    if ctx.is_local(sender):
        return PROCESSED  # our own answer, on its way out
    if not load_registry(ctx.config).is_instance_actor(sender):
        return ctx.refuse("flag_outcome_not_from_a_member_node")
    if not reports.outcome_received(ctx.config, flag_id=ctx.activity.object_id or "", sender=sender, acted=acted):
        return ctx.refuse("flag_outcome_unknown: no report of ours was sent there under that id")
    return PROCESSED


@handles(ACCEPT, FLAG)
def on_flag_accepted(ctx: HandlerContext) -> str:
    return _outcome(ctx, acted=True)


@handles(REJECT, FLAG)
def on_flag_rejected(ctx: HandlerContext) -> str:
    return _outcome(ctx, acted=False)

