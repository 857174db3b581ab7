"""The api's use cases shared by its HTTP modules: an actor as an Account entity, an
object as a Status entity, each read from the service that owns it, as the requester.

An account is any actor, local or remote, named by the Mastodon id the api gave its actor
URI (services/api/ids.py). What an account says comes from the service that owns it:
identity for this node's people, the outbox's actor cache for everyone else, the inbox for
follow state. A status is an AS2 object read from the service that holds it — the outbox
for this node's posts, the inbox for what the node received — as the requester, so the
visibility policy (fedkit/rules/policy.py) decides exactly as on the ActivityPub paths.
"""

from __future__ import annotations

from flask import current_app, g

from fedkit.protocol.local_ids import is_local, local_username
from fedkit.protocol.vocab import (
    ANNOUNCE,
    CREATE,
    TOMBSTONE,
    as_list,
    id_of,
    local_actor_id,
    type_of,
)
from fedkit.rules.policy import node_audience
from fedkit.rules.profile_view import outside_view
from fedkit.rules.registry import load_registry
from services.api import communities, converter, ids, media_entities, upstream
from services.api.params import listed
from services.api.personal_models import bookmarked, bookmarked_among
from services.api.polling import polls_shown


def config():
    return current_app.config["ARCHIPEL"]


def _local_username(actor: str) -> str | None:
    return local_username(actor, config().base_url)


def actor_document(actor: str) -> dict | None:
    """The AS2 document of an actor URI, from the service that owns it; None if none."""
    username = _local_username(actor)
    if username is not None:
        return upstream.local_person(username)
    if is_local(actor, config().base_url):
        return communities.local_document(actor)  # a community (Group) the requester may see
    return upstream.remote_actor(actor)


def account_entity(actor: str, document: dict | None = None, *, closed_too: bool = False,
                   counts: converter.Counts | None = None) -> dict | None:
    """The Account entity of an actor URI, or None when it cannot be shown. With
    ``closed_too``, a closed local account is shown as Mastodon shows a suspended one
    (a colleague who left: apps that kept the id still open it). ``counts``: already read
    (``prefetch_accounts``)."""
    document = document if document is not None else actor_document(actor)
    if document is None:
        return _closed_entity(actor) if closed_too else None
    if not g.requester.user:  # a reader outside the group: only what the node's policy lets out
        document = outside_view(document, config().profile_public_fields)
    counts = counts if counts is not None else communities.local_counts(actor)
    if counts is None:
        follows = upstream.follow_counts(actor)
        statuses = upstream.statuses_count(actor) if _local_username(actor) else 0
        counts = converter.Counts(statuses=statuses, followers=follows["followers"], following=follows["following"])
    known_id = g.get("api_account_ids", {}).get(actor)  # read for the page (prefetch_accounts)
    return converter.account(document, account_id=known_id or ids.account_id(actor), base_url=config().base_url,
                             counts=counts)


def _closed_entity(actor: str) -> dict | None:
    username = _local_username(actor)
    record = upstream.local_account(username) if username else None
    if record is None or not record.suspended:
        return None
    return converter.closed_account(actor, record.username, account_id=ids.account_id(actor),
                                    base_url=config().base_url)


def me() -> str:
    return local_actor_id(config().base_url, g.requester.user)


def audiences() -> converter.Audiences:
    node = config()
    return converter.Audiences(group=load_registry(node).audience, node=node_audience(node.base_url))


def visible_object(uri: str) -> dict | None:
    """The object at ``uri`` if the requester may see it, from the service that holds it;
    None when missing, deleted or hidden (the caller answers 404 for all three)."""
    if is_local(uri, config().base_url):
        status, obj = upstream.local_object(uri)
    else:
        status, obj = upstream.received_object(uri)
    if status != 200 or not isinstance(obj, dict) or obj.get("type") == TOMBSTONE:
        return None
    return obj


def author_of(obj: dict) -> str | None:
    return next((a for a in (id_of(r) for r in as_list(obj.get("attributedTo"))) if a), None)


def account_of(actor: str) -> dict | None:
    """An actor's Account entity, once per request (a page names the same authors often)."""
    memo = g.setdefault("api_accounts", {})
    if actor not in memo:
        memo[actor] = account_entity(actor)
    return memo[actor]


def prefetch_accounts(actors: list[str], known: dict[str, dict] | None = None) -> None:
    """``account_of`` of actors (not this node's communities) for a whole page, with one call per
    service for them all rather than three per account: identity's documents of this node's
    people (another node's from ``known``, else from the outbox one by one), the inbox's
    follow counts, the outbox's post counts."""
    memo, base = g.setdefault("api_accounts", {}), config().base_url
    wanted = [a for a in dict.fromkeys(actors) if a and a not in memo and (_local_username(a) or not is_local(a, base))]
    for start in range(0, len(wanted), ACCOUNTS_AT_ONCE):
        _prefetch_some(wanted[start:start + ACCOUNTS_AT_ONCE], known or {}, memo)


ACCOUNTS_AT_ONCE = 80  # what identity, the inbox and the outbox take in one call


def _prefetch_some(wanted: list[str], known: dict[str, dict], memo: dict) -> None:
    local = {a: name for a in wanted if (name := _local_username(a))}
    persons = upstream.local_persons(list(local.values()))
    documents = {a: persons.get(local[a]) if a in local else known.get(a) or upstream.remote_actor(a) for a in wanted}
    shown = [a for a in wanted if documents[a] is not None]
    follows = upstream.follow_counts_of_each(shown)
    posts = upstream.statuses_counts([a for a in shown if a in local])
    g.api_account_ids = {**g.get("api_account_ids", {}), **ids.known_account_ids(shown)}
    for actor in wanted:
        if documents[actor] is None:
            memo[actor] = None
            continue
        counts = converter.Counts(statuses=posts.get(actor, 0), followers=follows[actor]["followers"],
                                  following=follows[actor]["following"])
        memo[actor] = account_entity(actor, documents[actor], counts=counts)


def _interactions(uri: str) -> dict:
    """What the inbox knows of a post's interactions, as the requester: from the page's one
    call (``prefetch_page``), else asked for this post alone."""
    known = g.get("api_interactions", {})
    return known[uri] if uri in known else upstream.interactions(uri)


def _status_id(uri: str, published) -> str:
    known = g.get("api_status_ids", {})
    return known[uri] if uri in known else ids.status_id(uri, published)


def prefetch_page(objects: list) -> None:
    """What every Status of a page needs, read once for the page: its authors' and
    mentioned people's accounts (``prefetch_accounts``), the inbox's interactions of its
    posts (one call, not one per Status), the status ids already given out, and which of
    them the requester bookmarked."""
    shown = [o for o in objects if isinstance(o, dict) and id_of(o)]
    uris = [id_of(o) for o in shown]
    prefetch_accounts([a for o in shown for a in (author_of(o), *converter.mention_uris(o)) if a])
    if uris:
        g.api_interactions = {**g.get("api_interactions", {}), **upstream.interactions_page(uris)}
        g.api_status_ids = {**g.get("api_status_ids", {}), **ids.known_status_ids(uris)}
        g.api_bookmarks_known = {*g.get("api_bookmarks_known", set()), *uris}
        g.api_bookmarked = {*g.get("api_bookmarked", set()), *bookmarked_among(g.requester.user, uris)}


def _bookmarked(uri: str) -> bool:
    if uri in g.get("api_bookmarks_known", ()):
        return uri in g.api_bookmarked
    return bookmarked(g.requester.user, uri)


@polls_shown  # a Question shows its poll; a vote is no status (services/api/polling.py)
def status_entity(obj: dict) -> dict | None:
    """The Status entity of a visible object; None when its author cannot be shown."""
    uri, author = id_of(obj), author_of(obj)
    account = account_of(author) if author and uri else None
    if account is None:
        return None
    parent = id_of(obj.get("inReplyTo"))
    parent_author = None
    if parent:
        parent_obj = visible_object(parent)
        parent_author = author_of(parent_obj) if parent_obj else None
    mentioned = {m: account_of(m) for m in converter.mention_uris(obj)}
    known = _interactions(uri)
    number, visibility = _status_id(uri, obj.get("published")), converter.visibility_of(obj, author, audiences())
    entity = converter.status(
        obj, status_id=number, account=account, visibility=visibility, base_url=config().base_url,
        media_attachments=media_entities.attachments(obj, number, visibility),
        in_reply_to_id=ids.status_id(parent) if parent else None,
        in_reply_to_account_id=ids.account_id(parent_author) if parent_author else None,
        mentioned={m: e for m, e in mentioned.items() if e is not None},
        counts=converter.StatusCounts(replies=known["replies"], reblogs=known["reblogs"],
                                      favourites=known["favourites"]),
        favourited=bool(known["favourite_id"]), reblogged=bool(known["reblog_id"]))
    entity["bookmarked"] = _bookmarked(uri)  # the requester's own (services/api/bookmarks.py)
    return entity


def reblog_entity(activity: dict, inner: dict) -> dict | None:
    """An Announce (a boost, or a community's relay, FEP-1b12) as Mastodon shows a reblog:
    a status of the booster whose ``reblog`` is the boosted one."""
    booster, uri = id_of(activity.get("actor")), id_of(activity)
    shown = status_entity(inner)
    account = account_of(booster) if booster else None
    if shown is None or account is None or not uri:
        return None
    entity = converter.status({"id": uri, "type": ANNOUNCE, "published": activity.get("published"),
                               "to": activity.get("to"), "cc": activity.get("cc")},
                              status_id=ids.status_id(uri, activity.get("published")), account=account,
                              visibility=shown["visibility"], base_url=config().base_url)
    return {**entity, "reblog": shown}


def home_entity(activity: dict) -> dict | None:
    """A post in a user's inbox as a Status: a Create's object, or an Announce as a reblog."""
    kind, inner = type_of(activity), activity.get("object")
    if kind == CREATE and isinstance(inner, dict) and type_of(inner) not in (None, TOMBSTONE):
        return status_entity(inner)
    if kind == ANNOUNCE:
        if isinstance(inner, dict) and type_of(inner) == CREATE:  # a community relays the Create
            inner = inner.get("object")
        if isinstance(inner, str):
            inner = visible_object(inner)
        if isinstance(inner, dict) and type_of(inner) not in (None, TOMBSTONE):
            return reblog_entity(activity, inner)
    return None




# The types that carry a status (Mastodon's Notification#target_status; a reblog's is the
# boosted status).
WITH_STATUS = ("mention", "status", "reblog", "favourite", "update", "poll")


def notification_entity(item: dict) -> dict | None:
    """A notification the inbox keeps as Mastodon's Notification entity; None when its
    account cannot be shown or its status is hidden from the requester or gone."""
    account = account_of(item["actor"])
    if account is None:
        return None
    status = None
    if item["type"] in WITH_STATUS:
        obj = visible_object(item["object_id"]) if item.get("object_id") else None
        status = status_entity(obj) if obj else None
        if status is None:
            return None
    entity = {"id": item["id"], "type": item["type"], "created_at": item["created_at"],
              "group_key": f"ungrouped-{item['id']}", "account": account, "status": status}
    return _with_moderation(entity, item.get("extra") or {}, account)


def _with_moderation(entity: dict, extra: dict, account: dict) -> dict:
    """Mastodon 4.3's ``moderation_warning`` (an AccountWarning), and Archipel's
    ``report_resolved`` (the reporter's Report, told its outcome: services/inbox/reports.py)."""
    # Imported here: report_entities renders with this module's helpers.
    from services.api.report_entities import account_warning, report_entity

    if entity["type"] == "moderation_warning" and "moderation_warning" in extra:
        entity["moderation_warning"] = account_warning(extra["moderation_warning"], account)
    elif entity["type"] == "report_resolved" and "report" in extra:
        entity["report"] = report_entity(extra["report"])
    return entity


def notifications_page(page) -> tuple[list[dict], list[str]]:
    """One page of the requester's notifications (``types[]``/``exclude_types[]`` from the
    query) as entities, and the page's cursors — for the v1 list and the v2 grouped one."""
    items = upstream.notifications(types=listed("types"), exclude_types=listed("exclude_types"),
                                   limit=page.limit, max_id=page.max_id, since_id=page.since_id,
                                   min_id=page.min_id)
    entities = [e for e in (notification_entity(item) for item in items) if e is not None]
    return entities, [item["id"] for item in items]
