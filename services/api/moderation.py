"""The moderation use cases behind reports.py and admin_reports.py.

Who moderates: a local account with the ``node_admin`` or ``moderator`` role (from the
group directory, services/identity), through a token with Mastodon's ``admin:*`` scopes;
and, for the reports about posts addressed to a community of this node, that community's
owner, managers and moderators (FEP-1b12: a Group's moderators), who see and resolve them.

Filing: a signed-in user reports an account they may see, and posts of it they may see;
anything else is a 404, as Mastodon's ReportService (statuses are looked up among the
target's) — decided by the same visibility policy as every read. The inbox stores the
report and forwards it (services/inbox/reports.py).

Acting (Mastodon's ``POST /api/v1/admin/accounts/:id/action`` with a ``report_id``): the
subset that maps to Archipel, each on the report's posts of this node — ``none``
(resolve; with ``text``, a warning), ``sensitive`` (the posts marked sensitive by an
Update from their author, the edit path), ``delete_statuses`` (an Archipel extra named
after Mastodon's AccountWarning action: a Delete from the author, the path of their own
deletion, so it federates as any deletion), ``exclude`` (Archipel: the author banned from
this node's communities the posts were addressed to — no more posting there, no more
membership — by the communities service), ``move`` (Archipel: each reported post of this
node moves from its community to the community named by ``community``, a slug or the
Group's id, on this node — services/communities/moving.py; refused toward a wider audience,
fedkit/rules/community_moves.py; a node moderator, or a moderator of both communities, may
move). Closing an account (``disable``, ``silence``,
``suspend``) is not taken here (422): that is the directory's (SCIM) or an operator's act
(services/identity/lifecycle.py).
"""

from __future__ import annotations

from flask import current_app

from fedkit.protocol.local_ids import is_local, local_community, local_username
from fedkit.protocol.vocab import as_list, audience_of, id_of
from fedkit.rules.community_facts import is_group_actor
from services.api import communities_upstream, ids, reports_upstream, upstream
from services.api.entities import account_entity, author_of, visible_object
from services.api.params import flag

MODERATOR_ROLES = ("node_admin", "moderator")
COMMUNITY_MODERATORS = ("owner", "manager", "moderator")  # services/communities/models.py
CATEGORIES = ("spam", "legal", "violation", "other")
COMMENT_MAX = 1000
# The ``type`` an app sends -> what the report's trail and the author's AccountWarning say.
ACTIONS = {"none": "none", "delete_statuses": "delete_statuses", "sensitive": "mark_statuses_as_sensitive",
           "exclude": "exclude", "move": "move_to_community"}
NOT_HERE = ("disable", "silence", "suspend")


class ModerationError(Exception):
    def __init__(self, status: int, message: str, description: str | None = None):
        super().__init__(message)
        self.status, self.message, self.description = status, message, description or message


def _config():
    return current_app.config["ARCHIPEL"]


def is_moderator(username: str | None) -> bool:
    """A moderator or administrator of this node."""
    record = upstream.local_account(username) if username else None
    return bool(record and not record.suspended and set(record.roles) & set(MODERATOR_ROLES))


def moderates(report: dict, username: str | None) -> bool:
    """May ``username`` handle this report: a node moderator any; a community's owner,
    managers and moderators those about posts addressed to their community (their own
    tools then remove a post from it or ban its author: services/communities)."""
    if is_moderator(username):
        return True
    return any(_moderates_community(c) for c in report.get("communities", []))


def _moderates_community(actor: str) -> bool:
    slug = local_community(actor, _config().base_url)
    info = communities_upstream.community(slug) if slug and actor == f"{_config().base_url}/communities/{slug}" else None
    return bool(info and info.get("membership") == "member" and info.get("role") in COMMUNITY_MODERATORS)


def _strings(params: dict, name: str) -> list[str]:
    """A list parameter: one id or a list of ids (422 for anything else)."""
    value = params.get(name)
    values = as_list(value) if value is not None else []
    if isinstance(value, dict) or not all(isinstance(v, str) for v in values):
        raise ModerationError(422, f"Validation failed: {name} must be a list of ids")
    return [v for v in values if v]


def file_report(reporter: str, params: dict) -> dict:
    """The inbox's report of ``reporter``'s ``POST /api/v1/reports`` parameters."""
    account_id = params.get("account_id")
    if not isinstance(account_id, str) or not account_id:
        raise ModerationError(422, "Validation failed: account_id is missing")
    target = ids.actor_of(account_id)
    if target is None or account_entity(target) is None:
        raise ModerationError(404, "Record not found", "no such account")
    if target == f"{_config().base_url}/users/{reporter}":
        raise ModerationError(422, "Validation failed: you cannot report yourself")
    comment = params.get("comment") or ""
    category = params.get("category") or ("violation" if params.get("rule_ids") else "other")
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX:
        raise ModerationError(422, f"Validation failed: comment is longer than {COMMENT_MAX} characters")
    if category not in CATEGORIES:
        raise ModerationError(422, f"Validation failed: category must be one of {', '.join(CATEGORIES)}")
    posts = [_reported_post(target, sid) for sid in _strings(params, "status_ids")]
    communities = sorted({a for post in posts for a in audience_of(post) if _is_community(a)})
    return reports_upstream.file(
        reporter_username=reporter, target=target, status_uris=[id_of(p) for p in posts], comment=comment,
        category=category, rule_ids=_strings(params, "rule_ids"), communities=communities,
        forward=flag(params.get("forward")))


def _reported_post(target: str, status_id: str) -> dict:
    uri = ids.uri_of_status(status_id)
    post = visible_object(uri) if uri else None
    if post is None or author_of(post) != target:
        raise ModerationError(404, "Record not found", f"no status {status_id} of that account")
    return post


def _is_community(addressee: str) -> bool:
    """A community (FEP-1b12 Group) the post was addressed to; a public or followers
    collection is none (only actors are asked about)."""
    if addressee.endswith("/followers") or "#" in addressee or "/audiences/" in addressee:
        return False
    return is_group_actor(addressee, _config())


def act(moderator: str, account_id: str, params: dict) -> dict:
    """Mastodon's account action on a report's account (see the module)."""
    kind, text = params.get("type") or "none", params.get("text") or ""
    kind = kind if isinstance(kind, str) else ""
    if kind in NOT_HERE:
        raise ModerationError(422, f"Validation failed: type {kind} is not available on Archipel",
                              "close an account through the group directory; "
                              f"available types: {', '.join(ACTIONS)}")
    if kind not in ACTIONS:
        raise ModerationError(422, f"Validation failed: type must be one of {', '.join([*ACTIONS, *NOT_HERE])}")
    if not isinstance(text, str) or len(text) > 5000:
        raise ModerationError(422, "Validation failed: text must be a string of at most 5000 characters")
    report_id = params.get("report_id")
    report = reports_upstream.report(str(report_id)) if report_id else None
    target = ids.actor_of(account_id)
    if report is None or report["target"] != target:
        raise ModerationError(404 if report_id else 422, "Record not found" if report_id else
                              "Validation failed: report_id is missing", "a report about that account")
    community = None
    if kind == "move":
        touched, community = _move(report, moderator, params.get("community"))
    else:
        touched = {"delete_statuses": _delete_posts, "sensitive": _mark_sensitive,
                   "exclude": _exclude}.get(kind, lambda _r: [])(report)
    return reports_upstream.resolve(report["id"], moderator=moderator, action=ACTIONS[kind], text=text,
                                    status_uris=touched, community=community)


def may_act(report: dict, username: str | None, kind: str) -> bool:
    """Account actions are the node moderators'; a move, also a community moderator's of the
    report (that they moderate the target as well is checked by ``_move``)."""
    return is_moderator(username) or (kind == "move" and moderates(report, username))


def _move(report: dict, moderator: str, community) -> tuple[list[str], str]:
    """Each reported post moves to ``community``; the posts moved and the community's id."""
    base = _config().base_url
    target = local_community(community, base) if isinstance(community, str) and "/" in community else community
    if not isinstance(target, str) or not target:
        raise ModerationError(422, "Validation failed: community is missing", "the community to move the posts to")
    target_actor = f"{base}/communities/{target}"
    author, posts = _local_posts(report)
    sources = [c for c in report["communities"] if local_community(c, base)]
    node_wide = is_moderator(moderator)
    if not node_wide and not _moderates_community(target_actor):
        raise ModerationError(403, "This action is not allowed", "you moderate no such community")
    moved = []
    for uri in posts:
        for source in sources:
            if not node_wide and not _moderates_community(source):
                continue
            status, body = reports_upstream.move_post(local_community(source, base), uri, target)
            if status == 200:
                moved.append(uri)
                break
            if status != 404:
                raise ModerationError(422, f"Validation failed: {body.get('error_description', 'not moved')}",
                                      body.get("error"))
    if not moved:
        raise ModerationError(422, "Validation failed: no reported post is in a community you moderate here")
    return moved, target_actor


def _local_posts(report: dict) -> tuple[str, list[str]]:
    """The reported posts' author here and the posts; another node's posts are changed by
    its own moderators (the report was forwarded to them)."""
    base = _config().base_url
    posts, author = report["status_uris"], local_username(report["target"], base)
    if not posts or author is None or not all(is_local(p, base) for p in posts):
        raise ModerationError(422, "Validation failed: the report names no post of this node",
                              "another node's post is changed by its own moderators")
    return author, posts


def _as_author(author: str, activity: dict, failure: str) -> None:
    published = upstream.publish(author, activity)
    if published.status >= 300 and published.status != 404:
        raise ModerationError(published.status if 400 <= published.status < 500 else 502, failure,
                              str(published.body.get("error_description")))


def _exclude(report: dict) -> list[str]:
    """The author is banned from this node's communities the reported posts were addressed
    to (their posting and membership end; the communities service federates it). Another
    node's community: its moderators got the report."""
    base = _config().base_url
    slugs = [s for s in (local_community(c, base) for c in report["communities"]) if s]
    if not slugs:
        raise ModerationError(422, "Validation failed: the report names no post to a community of this node")
    for slug in slugs:
        if not reports_upstream.ban_from_community(slug, report["target"]):
            raise ModerationError(422, "Validation failed: the account cannot be excluded from that community",
                                  "a community's owner is not excluded; transfer it first")
    return []


def _delete_posts(report: dict) -> list[str]:
    """Each reported post goes, by a Delete from its author (a Tombstone here and on every
    server that has it: the path of the author's own deletion)."""
    author, posts = _local_posts(report)
    for uri in posts:
        _as_author(author, {"type": "Delete", "object": uri}, "The post could not be deleted")
    return posts


def _mark_sensitive(report: dict) -> list[str]:
    """Each reported post becomes ``sensitive`` (its media hidden behind a warning), by an
    Update from its author (the path of an edit: it federates where the post went)."""
    author, posts = _local_posts(report)
    for uri in posts:
        _as_author(author, {"type": "Update", "object": {"id": uri, "sensitive": True}},
                   "The post could not be marked sensitive")
    return posts

