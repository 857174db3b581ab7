"""The people directory's HTTP entries (the use cases: people_listing.py, people_group.py).

- ``GET /directory/people?entity=&department=&location=&skill=&q=&page=&limit=`` — this
  node's open accounts, public: the gateway verifies a member node's signature (routes.py
  ``MEMBERS``), whose reader sees the whole profile; anyone else sees the node's public
  parts and may filter on those only (400 ``filter_not_allowed`` otherwise).
- ``GET /api/archipel/people?…&page=&limit=`` — the group's people for a signed-in user
  (bearer token): every member node asked, signed as the user; ``unreachable`` names the
  nodes that did not answer.

Both answer ``{"items": [...], "page", "total", "next": bool}``; an item is
``{"actor", "username", "acct", "name", "title", "department", "entity", "location",
"skills", "interests", "languages", "projects", ("node")}`` with only what the reader sees.

- ``GET /internal/directory/matching?entity=&department=&location=&skill=`` (internal: the
  communities service's membership rules) — ``{"actors", "unreachable"}``: everyone in the
  group the filters find, every member node asked as this node's instance actor.

The expert finder's (experts_listing.py): ``GET /directory/experts?q=`` — this node's people
whose profile matches, readers as for ``/directory/people``, each item with ``matched``;
``GET /internal/directory/experts?q=`` — the same from every member node, asked signed as the
local user the api names: ``{"items", "unreachable"}``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from fedkit.contracts import identity as contract
from fedkit.rules.policy import viewer_of
from fedkit.runtime.responses import error
from services.identity.experts_listing import experts
from services.identity.people_group import everyone, group_experts, group_people
from services.identity.people_listing import MAX_LIMIT, HiddenFilter, Query, people, query_of

bp = Blueprint("identity_people_directory", __name__)
GROUP_PAGE = 20
MAX_QUERY = 200


def _paging(default: int, most: int) -> tuple[int, int] | None:
    try:
        page = int(request.args.get("page", "1"))
        limit = int(request.args.get("limit", str(default)))
    except ValueError:
        return None
    return (page, limit) if 1 <= page <= 10_000 and 1 <= limit <= most else None


def _page_of(items: list[dict], page: int, limit: int, **extra):
    start = (page - 1) * limit
    return jsonify(items=items[start:start + limit], page=page, total=len(items),
                   next=len(items) > start + limit, **extra)


def _bad_paging(most: int):
    return error(400, "invalid_request", f"page must be a number from 1, limit a number from 1 to {most}")


@bp.get(contract.PEOPLE)
def node_people():
    config = current_app.config["ARCHIPEL"]
    paging = _paging(40, MAX_LIMIT)
    if paging is None:
        return _bad_paging(MAX_LIMIT)
    requester = g.requester
    whole = bool(requester.user) or viewer_of(requester, config).in_group
    try:
        found = people(query_of(request.args), whole=whole, config=config)
    except HiddenFilter as exc:
        return error(400, "filter_not_allowed", f"this node does not show {exc} outside the group")
    return _page_of(found, *paging, node=config.node_name)


@bp.get(contract.PEOPLE_GROUP)
def group():
    config = current_app.config["ARCHIPEL"]
    if not g.requester.user:
        return error(401, "unauthorized", "the people directory is for signed-in employees (bearer token)")
    paging = _paging(GROUP_PAGE, MAX_LIMIT)
    if paging is None:
        return _bad_paging(MAX_LIMIT)
    found, unreachable = group_people(query_of(request.args), g.requester.user, config)
    return _page_of(found, *paging, unreachable=unreachable)


@bp.get(contract.PEOPLE_MATCHING)
def matching():
    """Everyone in the group a membership rule's filters find (at least one filter)."""
    config = current_app.config["ARCHIPEL"]
    query = query_of(request.args)
    if not query.filters:
        return error(400, "invalid_request", f"filter on one of {', '.join(contract.DIRECTORY_FILTERS)}")
    actors, unreachable = everyone(Query(query.filters), config)
    return jsonify(actors=actors, unreachable=unreachable)


def _expert_query() -> str | None:
    return " ".join(request.args.get("q", "").split())[:MAX_QUERY] or None


@bp.get(contract.EXPERTS)
def node_experts():
    config = current_app.config["ARCHIPEL"]
    q = _expert_query()
    if q is None:
        return error(400, "invalid_request", "q is required")
    whole = bool(g.requester.user) or viewer_of(g.requester, config).in_group
    found = experts(q, whole=whole, config=config)
    return jsonify(items=found[:MAX_LIMIT], node=config.node_name)


@bp.get(contract.EXPERTS_GROUP)
def experts_of_the_group():
    config = current_app.config["ARCHIPEL"]
    q = _expert_query()
    if not g.requester.user:
        return error(401, "unauthorized", "the expert finder is for signed-in employees")
    if q is None:
        return error(400, "invalid_request", "q is required")
    own = [{**item, "node": config.node_name} for item in experts(q, whole=True, config=config)]
    others, unreachable = group_experts(q, g.requester.user, config)
    return jsonify(items=own + others, unreachable=unreachable)
