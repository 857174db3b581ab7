"""Running a community through the API: creation by any employee, settings (managers),
transfer and archive (owner), removal of posts (moderators). The population is run in
members_admin.py. Effects on other nodes are federated by the Group."""

from __future__ import annotations

import re

import requests
from flask import Blueprint, g, jsonify

from fedkit.contracts.identity import IdentityClient
from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.keys import generate_rsa_keypair
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import UPDATE, id_of, key_id_for, local_actor_id
from fedkit.rules.policy import VISIBILITIES
from fedkit.runtime import keystore
from fedkit.runtime.internal import internal_client, require_user
from fedkit.runtime.responses import error
from services.communities import membership_rule, reconcile, search_index
from services.communities.access import acting_as, config, target_actor
from services.communities.converter import group_json, listing_json
from services.communities.federation import remove_post
from services.communities.models import (
    INVITED,
    MANAGING_ROLES,
    MEMBER,
    MEMBERSHIP,
    MODERATING_ROLES,
    OPENNESS,
    OWNER,
    PENDING,
    POSTING,
    PURPOSES,
    Community,
    CommunityPost,
    Membership,
)
from services.communities.sending import members_of, send_as_group

bp = Blueprint("management", __name__)
SLUG = re.compile(r"^[a-z0-9][a-z0-9_]{1,29}$")


def _slug_from(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:30]
    return slug


def _choice(data: dict, key: str, allowed, default):
    value = data.get(key, default)
    if value not in allowed:
        raise ValueError(f"{key} must be one of {', '.join(allowed)}")
    return value


@bp.post("/communities")
@require_user("write:accounts")
def create():
    data = request_json()
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        return error(422, "name_missing", "a community needs a name")
    slug = data.get("slug") or _slug_from(name)
    if not isinstance(slug, str) or not SLUG.match(slug):
        return error(422, "invalid_slug", "slug: 2 to 30 characters among a-z, 0-9 and _, starting with a letter or digit")
    try:
        openness = _choice(data, "openness", OPENNESS, "open")
        visibility = _choice(data, "visibility", VISIBILITIES, "group")
        purpose = _choice(data, "purpose", PURPOSES, "professional")
        posting = _choice(data, "posting", POSTING, "members")
        rule = membership_rule.validated(data.get("membership_rule"))
    except ValueError as exc:
        return error(422, "invalid_value", str(exc))
    admits_partners = bool(data.get("admits_partners", False))
    if admits_partners and openness != "closed":
        return error(422, "partners_need_invitation",
                     "a community that admits partners is joined by invitation only (openness closed)")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t) <= 64 for t in tags):
        return error(422, "invalid_tags", "tags: a list of short strings")
    cfg = config()
    identity = IdentityClient(internal_client())
    creator = identity.account(g.requester.user)
    if creator is None:  # the gateway vouched for a user identity no longer knows (closed meanwhile)
        return error(403, "not_allowed", "your account cannot create communities")
    if creator.signs_in_with_group and "community_creator" not in creator.roles:
        # The group directory says who may create communities (the "roles" claim).
        return error(403, "not_allowed", "your directory entry does not allow creating communities")
    try:
        taken = identity.account(slug) is not None
    except requests.HTTPError:
        taken = True  # identity cannot say: the name is not offered
    if taken or Community.objects(slug=slug).first():
        # Hidden communities' names must not leak either: the answer does not say which.
        return error(409, "name_taken", "this name is not available; choose another slug")
    actor = f"{cfg.base_url}/communities/{slug}"
    owner = local_actor_id(cfg.base_url, g.requester.user)
    private_pem, public_pem = generate_rsa_keypair()
    keystore.store_key(actor, key_id_for(actor), private_pem, public_pem)
    community = Community(slug=slug, actor_id=actor, name=name.strip()[:200],
                          description=str(data.get("description", ""))[:5000],
                          tags=[t.lstrip("#").lower() for t in tags], purpose=purpose, openness=openness,
                          visibility=visibility, posting=posting, owner=owner, admits_partners=admits_partners,
                          membership_rule=rule or {})
    community.save(force_insert=True)
    MEMBERSHIP.create(MEMBER, community=slug, actor=owner, role=OWNER)
    search_index.indexed(community, cfg)
    if rule:
        reconcile.reconcile(community, cfg, internal_client())
    members = Membership.objects(community=slug, state=MEMBER).count()
    resp = jsonify(listing_json(community, cfg, members, MEMBER, OWNER))
    resp.status_code = 201
    resp.headers["Location"] = actor
    return resp


@bp.patch("/communities/<slug>")
@require_user("write:accounts")
def update_settings(slug: str):
    """Managers change what the community is: name, description, tags, purpose,
    openness, visibility, who may post. Members' nodes get the Group's Update."""
    community, me_, failure = acting_as(slug, MANAGING_ROLES)
    if failure:
        return failure
    data = request_json()
    try:
        for key, allowed in (("openness", OPENNESS), ("visibility", VISIBILITIES), ("purpose", PURPOSES),
                             ("posting", POSTING)):
            if key in data:
                setattr(community, key, _choice(data, key, allowed, None))
        rule = (membership_rule.validated(data["membership_rule"]) or {}) if "membership_rule" in data else None
        rule_changed = rule is not None and rule != (community.membership_rule or {})
        if rule_changed:
            community.membership_rule = rule
    except ValueError as exc:
        return error(422, "invalid_value", str(exc))
    if isinstance(data.get("admits_partners"), bool):
        community.admits_partners = data["admits_partners"]
    if community.admits_partners and community.openness != "closed":
        return error(422, "partners_need_invitation",
                     "a community that admits partners is joined by invitation only (openness closed)")
    if isinstance(data.get("name"), str) and data["name"].strip():
        community.name = data["name"].strip()[:200]
    if isinstance(data.get("description"), str):
        community.description = data["description"][:5000]
    if "tags" in data:
        tags = data["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) and 0 < len(t) <= 64 for t in tags):
            return error(422, "invalid_tags", "tags: a list of short strings")
        community.tags = [t.lstrip("#").lower() for t in tags]
    cfg = config()
    if community.visibility == "node":
        outside = [m.actor for m in Membership.objects(community=slug, state__in=(MEMBER, PENDING, INVITED))
                   if not is_local(m.actor, cfg.base_url)]
        if outside:
            return error(409, "members_elsewhere", f"a node community stays on its node: first remove the "
                                                   f"{len(outside)} members, requests or invitations of other nodes")
    community.save()
    search_index.indexed(community, cfg)
    key = keystore.ActorKey.objects(actor_id=community.actor_id).first()
    document = {k: v for k, v in group_json(community, key.public_pem, cfg).items() if k != "@context"}
    send_as_group(community, {"type": UPDATE, "object": document, "to": [f"{community.actor_id}/followers"]},
                  members_of(community), cfg, internal_client())
    if rule_changed and community.membership_rule:
        reconcile.reconcile(community, cfg, internal_client())
    elif rule_changed:  # a rule taken away leaves its members in, as members by hand now
        Membership.objects(community=slug, source=membership_rule.RULE).update(unset__source=True)
    members = Membership.objects(community=slug, state=MEMBER).count()
    return jsonify(listing_json(community, cfg, members, MEMBER, me_.role))


@bp.get("/communities/<slug>/settings")
@require_user("read:accounts")
def read_settings(slug: str):
    """The settings as managers change them (the description as written, not the Group's
    sanitised summary), the owner, and the requester's role: for the community's staff."""
    community, me_, failure = acting_as(slug, MODERATING_ROLES)
    if failure:
        return failure
    members = Membership.objects(community=slug, state=MEMBER).count()
    return jsonify({**listing_json(community, config(), members, MEMBER, me_.role), "posting": community.posting,
                    "owner": community.owner})


@bp.post("/communities/<slug>/transfer")
@require_user("write:accounts")
def transfer(slug: str):
    community, me_, failure = acting_as(slug, ("owner",))
    if failure:
        return failure
    target = target_actor(request_json())
    heir = Membership.objects(community=slug, actor=target or "", state=MEMBER).first()
    if heir is None:
        return error(422, "not_a_member", "ownership goes to a member of the community")
    if not is_local(heir.actor, config().base_url):
        return error(422, "not_local", "the owner is an employee of the hosting node")
    heir.update(set__role="owner")
    me_.update(set__role="manager")
    community.update(set__owner=heir.actor)
    return jsonify(owner=heir.actor)


@bp.post("/communities/<slug>/archive")
@require_user("write:accounts")
def archive(slug: str):
    community, _, failure = acting_as(slug, ("owner",))
    if failure:
        return failure
    community.update(set__archived=True)
    return jsonify(archived=True)


@bp.post("/communities/<slug>/posts/remove")
@require_user("write:statuses")
def moderate_post(slug: str):
    community, me_, failure = acting_as(slug, MODERATING_ROLES)
    if failure:
        return failure
    object_id = id_of(request_json().get("object"))
    post = CommunityPost.objects(object_id=object_id or "", community=slug).first()
    if post is None or post.removed:
        return error(404, "not_found", "no such post in this community")
    delete = remove_post(community, post, me_.actor, config(), internal_client())
    return jsonify(removed=post.object_id, activity=delete["id"])
