"""Reading communities: the node's listing and search, the group-wide directory, the
Group actor and its collections. Everything a requester may not see answers 404,
exactly like something that does not exist (fedkit.rules.policy)."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import requests
from flask import Blueprint, g, jsonify, request

from fedkit.contracts import communities as contract
from fedkit.protocol.paging import ordered_collection
from fedkit.protocol.vocab import ANNOUNCE, CREATE, local_actor_id
from fedkit.rules.registry import load_registry, origin_of
from fedkit.rules.ssrf import UnsafeURL
from fedkit.runtime import keystore
from fedkit.runtime.http import read_capped, signed_get
from fedkit.runtime.responses import activity_json, error
from services.communities import search_index
from services.communities.access import (
    can_fetch_actor_document,
    can_see,
    config,
    current_viewer,
    member_hosts,
    visible_community,
)
from services.communities.converter import GROUP_CONTEXT, group_json, listing_json
from services.communities.models import (
    MEMBER,
    MODERATING_ROLES,
    Community,
    CommunityPost,
    Membership,
)

log = logging.getLogger(__name__)
bp = Blueprint("communities", __name__)
MAX_LISTING = 500


def not_found():
    return error(404, "not_found", "no such community")


def _matches(community: Community, tag: str, purpose: str, query: str, found: set[str] | None) -> bool:
    if tag and tag.lower().lstrip("#") not in [t.lower() for t in community.tags]:
        return False
    if purpose and community.purpose != purpose:
        return False
    # its handle names it at once (the web app looks a community up so, right after creating
    # it: before the indexer has applied it)
    return found is None or community.actor_id in found or community.slug == query.strip().lower()


def visible_listing(tag: str = "", purpose: str = "", query: str = "", member: str = "") -> list[dict]:
    """This node's communities the requester may see, filtered (search is ``query``: its
    words, found by the node's search index, search_index.py; ``member``: only those the
    actor of that id is a member of — whoever may see a community may read its members, so
    this reveals nothing more)."""
    viewer, cfg = current_viewer(), config()
    mine = {m.community: m for m in Membership.objects(actor=viewer.actor)} if viewer.actor else {}
    found = search_index.matching(query, viewer, cfg, limit=MAX_LISTING) if query.strip() else None
    items = []
    communities = Community.objects
    if member:
        communities = communities.filter(slug__in=Membership.objects(actor=member, state=MEMBER).distinct("community"))
    for community in communities.order_by("-last_activity_at").limit(MAX_LISTING):
        if not can_see(community, viewer) or not _matches(community, tag, purpose, query, found):
            continue
        membership = mine.get(community.slug)
        members = Membership.objects(community=community.slug, state=MEMBER).count()
        items.append(listing_json(community, cfg, members, membership.state if membership else None,
                                  membership.role if membership else None))
    return items


def _filters() -> tuple[str, str, str, str]:
    return tuple(request.args.get(name, "") for name in ("tag", "purpose", "q", "member"))


@bp.get("/communities")
def listing():
    return jsonify(items=visible_listing(*_filters()), node=config().node_name)


@bp.get("/communities/directory")
def directory():
    """The group-wide directory: this node's listing plus every other member node's,
    each asked by a request signed as the user, so each node applies its own policy."""
    viewer, cfg = current_viewer(), config()
    if g.requester.user is None or viewer.actor is None:
        return error(401, "unauthorized", "the directory is for signed-in employees (bearer token)")
    items, unreachable = visible_listing(*_filters()), []
    tag, purpose, query, member = _filters()
    params = urlencode({k: v for k, v in (("tag", tag), ("purpose", purpose), ("q", query), ("member", member)) if v})
    key_id, private_pem = keystore.signing_key(local_actor_id(cfg.base_url, g.requester.user))
    for node in load_registry(cfg).nodes:
        if node.base_url == cfg.base_url:
            continue
        url = f"{node.base_url}/communities" + (f"?{params}" if params else "")
        try:
            resp = signed_get(url, cfg, key_id=key_id, private_pem=private_pem, accept="application/json")
            body = read_capped(resp, 5_000_000)
            remote = json.loads(body) if resp.status_code == 200 and body else None
            items += [i for i in remote["items"] if isinstance(i, dict)] if isinstance(remote, dict) else []
            if remote is None:
                unreachable.append(node.name)
        except (requests.RequestException, UnsafeURL, ValueError, KeyError, TypeError) as exc:
            log.info("directory: node %s not answering: %s", node.name, type(exc).__name__)
            unreachable.append(node.name)
    return jsonify(items=items, unreachable=unreachable)


@bp.get(contract.COMMUNITY)
def group_actor(slug: str):
    community = Community.objects(slug=slug).first()
    if community is None or not can_fetch_actor_document(community, current_viewer()):
        return not_found()
    key = keystore.ActorKey.objects(actor_id=community.actor_id).first()
    resp = activity_json(group_json(community, key.public_pem, config()))
    return resp


def _collection(collection_id: str, items: list) -> dict:
    return {"@context": GROUP_CONTEXT, **ordered_collection(collection_id, total=len(items), items=items)}


@bp.get("/communities/<slug>/<any(followers, moderators):which>")
def member_collection(slug: str, which: str):
    """followers: the members (FEP-1b12); moderators: the owner, managers and moderators."""
    community = visible_community(slug)
    if community is None:
        return not_found()
    query = Membership.objects(community=slug, state=MEMBER)
    if which == "moderators":
        query = query.filter(role__in=MODERATING_ROLES)
    actors = [m.actor for m in query.order_by("created_at")]
    return activity_json(_collection(f"{community.actor_id}/{which}", actors))


@bp.get("/communities/<slug>/posts")
def posts(slug: str):
    """The community's posts, newest first; ``?replies_to=<object id>`` gives one post's replies."""
    community = visible_community(slug)
    if community is None:
        return not_found()
    query = CommunityPost.objects(community=slug, removed=False)
    replies_to = request.args.get("replies_to")
    if replies_to:
        parent = CommunityPost.objects(object_id=replies_to, community=slug, removed=False).first()
        if parent is None:
            return error(404, "not_found", "no such post")
        query = query.filter(in_reply_to=replies_to)
        collection_id = f"{community.actor_id}/posts?replies_to={replies_to}"
    else:
        collection_id = f"{community.actor_id}/posts"
    items = [p.raw for p in query.order_by("-created_at").limit(200)]
    return activity_json(_collection(collection_id, items))


@bp.get("/communities/<slug>/outbox")
def outbox(slug: str):
    """The Group's outbox: its latest Announces of members' posts (what Lemmy and
    others read to backfill a community they just joined)."""
    community = visible_community(slug)
    if community is None:
        return not_found()
    items = [{"type": ANNOUNCE, "actor": community.actor_id, "to": [f"{community.actor_id}/followers"],
              "object": {"id": p.create_id, "type": CREATE, "actor": p.author, "object": p.raw}}
             for p in CommunityPost.objects(community=slug, removed=False).order_by("-created_at").limit(50)]
    return activity_json(_collection(f"{community.actor_id}/outbox", items))


@bp.get("/communities/<slug>/membership")
def membership_check(slug: str):
    """Is ``?actor=`` a member? Asked by a node that hosts members, signed by its instance
    actor, when someone asks it for a member's post in this community (a hidden
    community's posts are served only to members: the author's node checks here)."""
    community = Community.objects(slug=slug).first()
    asker = current_viewer().actor
    origin = origin_of(asker)
    if community is None or not origin or asker != f"{origin}/actor" or origin not in member_hosts(community):
        return not_found()  # only a member's node asks; nobody else learns who is in
    actor = request.args.get("actor", "")
    found = Membership.objects(community=slug, actor=actor, state=MEMBER).first()
    return jsonify(actor=actor, member=found is not None)
