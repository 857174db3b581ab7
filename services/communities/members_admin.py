"""Managers run a community's population: invite, approve, reject, remove, ban, unban,
set roles, and read the population by state. Effects on other nodes are federated by the Group
(Invite, Accept, Reject)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, jsonify, request

from fedkit.protocol.jsonbody import request_json
from fedkit.protocol.local_ids import is_local
from fedkit.protocol.vocab import ACCEPT, INVITE, REJECT
from fedkit.rules.registry import load_registry
from fedkit.runtime import clock
from fedkit.runtime.internal import internal_client, require_user
from fedkit.runtime.responses import error
from services.communities.access import acting_as, config, target_actor
from services.communities.bans import ban
from services.communities.models import (
    ABSENT,
    BANNED,
    INVITED,
    MANAGING_ROLES,
    MEMBER,
    MEMBERSHIP,
    MODERATING_ROLES,
    PENDING,
    ROLES,
    SEEING,
    Membership,
    now,
    partner_expiry,
    set_membership,
)
from services.communities.sending import send_as_group

bp = Blueprint("members_admin", __name__)


# Joining is following the Group: managing members is answering follow requests
# (Mastodon: write:follows), banning is blocking (write:blocks).
ACTION_SCOPES = {"ban": "write:blocks", "unban": "write:blocks"}
LISTED_STATES = (MEMBER, PENDING, INVITED, BANNED)
MAX_LISTED = 1000


def chosen_expiry(data: dict, cfg) -> dt.datetime:
    """When a partner's access ends: ``expires_at`` if the manager chose it (a day, the
    access lasting through it in UTC, or an ISO 8601 instant), within the node's length
    (ARCHIPEL_PARTNER_MEMBERSHIP_DAYS, a day's rounding allowed); else that length.
    Raises ValueError with the reason."""
    latest = partner_expiry(cfg)
    value = data.get("expires_at")
    if value is None:
        return latest
    if not isinstance(value, str):
        raise ValueError("expires_at: a date (YYYY-MM-DD) or an ISO 8601 date-time")
    try:
        if len(value) == 10:
            chosen = dt.datetime.combine(dt.date.fromisoformat(value) + dt.timedelta(days=1), dt.time(), dt.UTC)
        else:
            chosen = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            chosen = chosen if chosen.tzinfo else chosen.replace(tzinfo=dt.UTC)
    except ValueError:
        raise ValueError("expires_at: a date (YYYY-MM-DD) or an ISO 8601 date-time") from None
    if chosen <= now():
        raise ValueError("expires_at: a day to come")
    if chosen > latest + dt.timedelta(days=1):
        raise ValueError(f"expires_at: at most {cfg.partner_membership_days:g} days from now")
    return chosen


@bp.post("/communities/<slug>/members")
@require_user()
def manage_member(slug: str):
    """{"action": invite|approve|reject|remove|ban|unban|renew|role, "actor": <actor id>, "role": …}"""
    data = request_json()
    action, target = data.get("action"), target_actor(data)
    needed = ACTION_SCOPES.get(action, "write:follows") if isinstance(action, str) else "write:follows"
    if not g.requester.has_scope(needed):
        return error(403, "insufficient_scope", f"needs scope {needed}")
    community, me_, failure = acting_as(slug, MANAGING_ROLES)
    if failure:
        return failure
    if target is None:
        return error(422, "actor_missing", "name the member by actor id")
    if target == community.owner and action != "invite":
        return error(422, "owner", "the owner's membership changes only by a transfer")
    cfg, internal = config(), internal_client()
    try:
        expires_at = chosen_expiry(data, cfg) if action in ("invite", "renew") else None
    except ValueError as exc:
        return error(422, "invalid_expiry", str(exc))
    current = Membership.objects(community=slug, actor=target).first()
    state = current.state if current else None

    def answer_follow(kind: str) -> None:
        follow = (current.follow if current and current.follow else
                  {"type": "Follow", "actor": target, "object": community.actor_id})
        send_as_group(community, {"type": kind, "object": follow, "to": [target]}, [target], cfg, internal)

    if action == "invite":
        if state in (MEMBER, BANNED):
            return error(409, "conflict", f"that actor is {state}")
        partner = not load_registry(cfg).is_inside(target)
        if partner and not community.admits_partners:
            return error(422, "no_partners", "this community does not admit partners from outside the group")
        expiry = {"expires_at": expires_at, "expiry_notice_sent": False} if partner else {}
        set_membership(current, INVITED, community=slug, actor=target, invited_by=me_.actor, partner=partner,
                       **expiry)
        send_as_group(community, {"type": INVITE, "object": community.actor_id, "target": target,
                                  "to": [target]}, [target], cfg, internal)
    elif action == "approve":
        if state != PENDING:
            return error(409, "conflict", "no pending request from that actor")
        set_membership(current, MEMBER, community=slug, actor=target)
        answer_follow(ACCEPT)
    elif action in ("reject", "remove"):
        if state is None or state == BANNED:
            return error(404, "not_found", "no such member or request")
        answer_follow(REJECT)  # Mastodon reads a Reject of an accepted Follow as a removal
        MEMBERSHIP.move(current, ABSENT)
    elif action == "ban":
        ban(community, current, target, cfg, internal)
    elif action == "renew":
        if current is None or not current.partner or state not in SEEING:
            return error(409, "conflict", "only a partner's membership or invitation is renewed")
        set_membership(current, state, community=slug, actor=target, expires_at=expires_at,
                       expiry_notice_sent=False)
    elif action == "unban":
        if state != BANNED:
            return error(409, "conflict", "that actor is not banned")
        MEMBERSHIP.move(current, ABSENT)
    elif action == "role":
        role = data.get("role")
        if role not in ROLES or role == "owner":
            return error(422, "invalid_role", "role: manager, moderator or member (ownership is transferred)")
        if role == "manager" and me_.role != "owner":
            return error(403, "forbidden", "only the owner appoints managers")
        if state != MEMBER:
            return error(409, "conflict", "roles are for members")
        set_membership(current, MEMBER, community=slug, actor=target, role=role)
    else:
        return error(422, "invalid_action", "action: invite, approve, reject, remove, ban, unban, renew or role")
    found = Membership.objects(community=slug, actor=target).first()
    return jsonify(actor=target, state=found.state if found else None, role=found.role if found else None,
                   partner=bool(found and found.partner),
                   expires_at=clock.iso(found.expires_at) if found else None)


@bp.get("/communities/<slug>/requests")
@require_user("read:follows")
def pending_requests(slug: str):
    community, _, failure = acting_as(slug, MANAGING_ROLES)
    if failure:
        return failure
    pending = Membership.objects(community=slug, state__in=(PENDING, INVITED)).order_by("created_at")
    return jsonify(items=[{"actor": m.actor, "state": m.state} for m in pending])


@bp.get("/communities/<slug>/members")
@require_user("read:follows")
def listed_members(slug: str):
    """The population as the community's staff (owner, managers, moderators) see it,
    oldest first: ``?state=`` member (the default), pending, invited or banned; each with
    its role, whether it is a partner from outside the group and when that access ends."""
    community, _, failure = acting_as(slug, MODERATING_ROLES)
    if failure:
        return failure
    state = request.args.get("state", MEMBER)
    if state not in LISTED_STATES:
        return error(422, "invalid_state", f"state: one of {', '.join(LISTED_STATES)}")
    base_url = config().base_url
    found = Membership.objects(community=slug, state=state).order_by("created_at").limit(MAX_LISTED)
    return jsonify(state=state, items=[
        {"actor": m.actor, "state": m.state, "role": m.role, "local": is_local(m.actor, base_url),
         "partner": bool(m.partner), "expires_at": clock.iso(m.expires_at), "invited_by": m.invited_by,
         "since": clock.iso(m.updated_at)} for m in found])
