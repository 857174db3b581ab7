"""This node's communities for the usage observatory (gateway/usage_sources.py): which
are dormant (services/communities/dormancy.py's notion: flagged after
``ARCHIPEL_COMMUNITY_DORMANT_AFTER`` without exchange) and how many members each has."""

from __future__ import annotations

from flask import Blueprint, jsonify

from fedkit.contracts.usage import COMMUNITIES_LIST
from services.communities.models import MEMBER, Community, Membership

bp = Blueprint("communities_usage", __name__)


@bp.get(COMMUNITIES_LIST)
def communities():
    counts: dict[str, int] = {}
    for membership in Membership.objects(state=MEMBER).only("community"):
        counts[membership.community] = counts.get(membership.community, 0) + 1
    return jsonify(items=[{"id": c.actor_id, "slug": c.slug, "name": c.name, "visibility": c.visibility,
                           "dormant": c.dormant_flagged_at is not None, "members": counts.get(c.slug, 0)}
                          for c in Community.objects(archived=False)])
