"""AS2 documents to Mastodon entities (docs.joinmastodon.org/entities/), in one place.

Every entity id is a string; timestamps are ISO 8601 in UTC. The converter is given what
the other services said (an actor document, counts, follow state) and the ids the api
allocated; it fetches nothing itself.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import nh3

from fedkit.protocol.local_ids import is_local
from fedkit.protocol.sanitize import sanitize_html
from fedkit.protocol.vocab import (
    APPLICATION,
    FORMER_EMPLOYEE,
    GROUP,
    HASHTAG,
    MENTION,
    PUBLIC_ALIASES,
    SERVICE,
    as_list,
    id_of,
    type_of,
)

# What the node shows for an account with no avatar or header image (served by the api,
# services/api/media_defaults.py), at the paths Mastodon uses for its own defaults.
DEFAULT_AVATAR = "/avatars/original/missing.png"
DEFAULT_HEADER = "/headers/original/missing.png"
# A new post's audience when an app names none: the node's default is followers-only.
DEFAULT_PRIVACY = "private"
MAX_CHARACTERS = 5000  # a status's longest text (the instance documents say so)
# The follow states as the inbox's internal API names them (services/inbox/models.py).
FOLLOW_ACCEPTED, FOLLOW_PENDING = "accepted", "pending"


@dataclass(frozen=True)
class Counts:
    statuses: int = 0
    followers: int = 0
    following: int = 0


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _url_of(value) -> str | None:
    """The URL of an AS2 link, Image or list of them (the first usable one)."""
    if isinstance(value, list):
        value = next((v for v in value if _url_of(v)), None)
    if isinstance(value, str):
        return value if value.startswith(("https://", "http://")) else None
    if isinstance(value, dict):
        return _url_of(value.get("url") if "url" in value else value.get("href"))
    return None


def plain_text(html: str) -> str:
    """Text of an HTML fragment (a profile's summary as the author would edit it)."""
    with_breaks = html.replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n").replace("</p><p>", "\n\n")
    return html_lib.unescape(nh3.clean(with_breaks, tags=set())).strip()


def _day(value) -> str:
    """Mastodon gives an account's creation as midnight UTC of its day
    (REST::AccountSerializer#created_at: ``object.created_at.midnight.as_json``)."""
    return _utc(value).strftime("%Y-%m-%dT00:00:00.000Z")


def _utc(value) -> dt.datetime:
    """An AS2 date (``xsd:dateTime``) in UTC; the epoch when it is missing or unreadable."""
    when = None
    if isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            when = None
    if when is None:
        when = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


def _fields(actor: dict) -> list[dict]:
    """Profile metadata: AS2 ``attachment`` PropertyValues (schema.org, as Mastodon)."""
    attachments = actor.get("attachment")
    if isinstance(attachments, dict):
        attachments = [attachments]
    out = []
    for item in attachments if isinstance(attachments, list) else []:
        if isinstance(item, dict) and type_of(item) == "PropertyValue" and isinstance(item.get("name"), str):
            out.append({"name": item["name"][:255], "value": sanitize_html(_text(item.get("value"))),
                        "verified_at": None})
    return out


def acct_of(actor: dict, local_base_url: str) -> tuple[str, str]:
    """(username, acct): ``acct`` is the bare username for a local account and
    ``username@host`` for any other (Account#acct)."""
    actor_id = id_of(actor) or ""
    username = _text(actor.get("preferredUsername")) or actor_id.rstrip("/").rsplit("/", 1)[-1]
    if is_local(actor_id, local_base_url):
        return username, username
    return username, f"{username}@{urlsplit(actor_id).netloc}"


def account(actor: dict, *, account_id: str, base_url: str, counts: Counts = Counts()) -> dict:
    """The Account entity of an AS2 actor (docs.joinmastodon.org/entities/Account/)."""
    username, acct = acct_of(actor, base_url)
    actor_type = type_of(actor)
    avatar = _url_of(actor.get("icon")) or base_url + DEFAULT_AVATAR
    header = _url_of(actor.get("image")) or base_url + DEFAULT_HEADER
    discoverable = actor.get("discoverable")
    entity = {
        "id": account_id,
        "username": username,
        "acct": acct,
        "url": _url_of(actor.get("url")) or id_of(actor),
        "uri": id_of(actor),
        "display_name": _text(actor.get("name"))[:200] or username,
        "note": sanitize_html(_text(actor.get("summary"))),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "locked": actor.get("manuallyApprovesFollowers") is True,
        "fields": _fields(actor),
        "emojis": [],
        "bot": actor_type in (SERVICE, APPLICATION),
        "group": actor_type == GROUP,
        "discoverable": discoverable if isinstance(discoverable, bool) else None,
        "indexable": actor.get("indexable") is True,
        "hide_collections": False,
        "noindex": False,
        "roles": [],
        "created_at": _day(actor.get("published")),
        "last_status_at": None,
        "statuses_count": counts.statuses,
        "followers_count": counts.followers,
        "following_count": counts.following,
    }
    return _marked_former_employee(entity) if actor.get(FORMER_EMPLOYEE) is True else entity


# How a departed employee whose posts the group keeps is marked (fedkit.rules.policy
# .kept_after_departure). Mastodon's Account has no such attribute (its ``memorial`` says
# "in memoriam", ``suspended`` makes apps hide everything): a first profile field shows it in
# every app, ``former_employee`` (an extra attribute apps ignore) says it to Archipel's own.
FORMER_EMPLOYEE_FIELD = {"name": "Status", "value": "Former employee", "verified_at": None}


def _marked_former_employee(entity: dict) -> dict:
    return {**entity, "fields": [FORMER_EMPLOYEE_FIELD, *entity["fields"]], "former_employee": True,
            "discoverable": False}


def closed_account(actor_id: str, username: str, *, account_id: str, base_url: str) -> dict:
    """A closed (deprovisioned) account as Mastodon shows a suspended one: its names, nothing
    of its profile, and ``suspended: true`` (REST::AccountSerializer for suspended accounts)."""
    entity = account({"id": actor_id, "type": "Person", "preferredUsername": username}, account_id=account_id,
                     base_url=base_url)
    return {**entity, "display_name": "", "discoverable": False, "suspended": True}


def relationship(account_id: str, state: dict) -> dict:
    """The Relationship entity (docs.joinmastodon.org/entities/Relationship/) from the
    follow state in both directions ("accepted", "pending" or None)."""
    following, followed_by = state.get("following"), state.get("followed_by")
    return {
        "id": account_id,
        "following": following == FOLLOW_ACCEPTED,
        "showing_reblogs": following == FOLLOW_ACCEPTED,
        "notifying": bool(state.get("notifying")) and following is not None,
        "languages": None,
        "followed_by": followed_by == FOLLOW_ACCEPTED,
        "blocking": False,
        "blocked_by": False,
        "muting": False,
        "muting_notifications": False,
        "requested": following == FOLLOW_PENDING,
        "requested_by": followed_by == FOLLOW_PENDING,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
    }


def application(app: dict) -> dict:
    """The Application entity as apps/verify_credentials shows it: no client id or secret
    (docs.joinmastodon.org/entities/Application/)."""
    uris = list(app.get("redirect_uris") or [])
    return {"name": app.get("name", ""), "website": app.get("website"), "scopes": list(app.get("scopes") or []),
            "redirect_uri": " ".join(uris), "redirect_uris": uris, "vapid_key": ""}


# -- statuses ------------------------------------------------------------------------------
# Mastodon's four visibilities (docs.joinmastodon.org/entities/Status/#visibility) and
# Archipel's two audiences, which apps may name as visibilities too (README "The group,
# and the group and node audiences").
PUBLIC, UNLISTED, PRIVATE, DIRECT, GROUP_VISIBILITY, NODE_VISIBILITY = (
    "public", "unlisted", "private", "direct", "group", "node")
VISIBILITIES = (PUBLIC, UNLISTED, PRIVATE, DIRECT, GROUP_VISIBILITY, NODE_VISIBILITY)


@dataclass(frozen=True)
class Audiences:
    """The IRIs that stand for the restricted audiences on this node."""

    group: str
    node: str


def visibility_of(obj: dict, author: str | None, audiences: Audiences) -> str:
    """The visibility an AS2 object was addressed with: ``public`` (as:Public in ``to``),
    ``unlisted`` (only in ``cc``), then ``node``, ``group``, ``private`` (the author's
    followers), else ``direct`` — the order Mastodon reads addressing in
    (ActivityPub::Activity::Create#visibility_from_audience), with the narrower of the
    two restricted audiences first."""
    to, cc = _addresses(obj.get("to")), _addresses(obj.get("cc"))
    everyone = to + cc + _addresses(obj.get("audience"))
    if any(a in PUBLIC_ALIASES for a in to):
        return PUBLIC
    if any(a in PUBLIC_ALIASES for a in cc):
        return UNLISTED
    if audiences.node in everyone:
        return NODE_VISIBILITY
    if audiences.group in everyone:
        return GROUP_VISIBILITY
    if author and (author + "/followers") in everyone:
        return PRIVATE
    return DIRECT


def _addresses(value) -> list[str]:
    return [a for a in (id_of(v) for v in as_list(value)) if a]


def _iso_time(value) -> str:
    """An AS2 date as Mastodon writes its times: UTC with milliseconds."""
    when = _utc(value)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _language(obj: dict) -> str | None:
    content_map = obj.get("contentMap")
    if isinstance(content_map, dict):
        return next((k for k in content_map if isinstance(k, str) and k and k != "und"), None)
    return None


def _content(obj: dict) -> str:
    content = obj.get("content")
    if not isinstance(content, str):
        content_map = obj.get("contentMap")
        content = next(iter(content_map.values()), "") if isinstance(content_map, dict) and content_map else ""
    return sanitize_html(_text(content))


def mention_uris(obj: dict) -> list[str]:
    """The actors an object mentions (AS2 ``Mention`` tags), in order, once each."""
    hrefs = [id_of(t.get("href")) for t in as_list(obj.get("tag")) if isinstance(t, dict) and type_of(t) == MENTION]
    return list(dict.fromkeys(h for h in hrefs if h))


def _mentions(obj: dict, accounts: dict[str, dict]) -> list[dict]:
    """Mention entities (docs.joinmastodon.org/entities/Status/#Mention) of the mentioned
    actors the api could show as accounts."""
    out = []
    for uri in mention_uris(obj):
        entity = accounts.get(uri)
        if entity is not None:
            out.append({"id": entity["id"], "username": entity["username"], "url": entity["url"],
                        "acct": entity["acct"]})
    return out


def _tags(obj: dict, base_url: str) -> list[dict]:
    """Tag entities of the object's ``Hashtag`` tags (name without ``#``, the node's tag URL)."""
    out, seen = [], set()
    for tag in as_list(obj.get("tag")):
        if isinstance(tag, dict) and type_of(tag) == HASHTAG and isinstance(tag.get("name"), str):
            name = tag["name"].lstrip("#")
            if name and name.lower() not in seen:
                seen.add(name.lower())
                out.append({"name": name, "url": f"{base_url}/tags/{quote(name.lower())}"})
    return out


@dataclass(frozen=True)
class StatusCounts:
    replies: int = 0
    reblogs: int = 0
    favourites: int = 0


def status(obj: dict, *, status_id: str, account: dict, visibility: str, base_url: str,
           in_reply_to_id: str | None = None, in_reply_to_account_id: str | None = None,
           mentioned: dict[str, dict] | None = None, counts: StatusCounts = StatusCounts(),
           pinned: bool = False, favourited: bool = False, reblogged: bool = False,
           media_attachments: list[dict] | None = None) -> dict:
    """The Status entity of an AS2 object (docs.joinmastodon.org/entities/Status/), in the
    order of Mastodon's REST::StatusSerializer. ``account``: the author's Account entity;
    ``mentioned``: Account entities of mentioned actors by URI. What does not exist here
    yet (media, polls, cards) is empty or false; ``favourited``/``reblogged``: by the requester."""
    uri = id_of(obj) or ""
    entity = {
        "id": status_id,
        "created_at": _iso_time(obj.get("published")),
        "in_reply_to_id": in_reply_to_id,
        "in_reply_to_account_id": in_reply_to_account_id,
        "sensitive": obj.get("sensitive") is True or bool(_text(obj.get("summary"))),
        "spoiler_text": plain_text(_text(obj.get("summary"))),
        "visibility": visibility,
        "language": _language(obj),
        "uri": uri,
        "url": _url_of(obj.get("url")) or uri,
        "replies_count": counts.replies,
        "reblogs_count": counts.reblogs,
        "favourites_count": counts.favourites,
        "edited_at": _iso_time(obj["updated"]) if isinstance(obj.get("updated"), str) else None,
        "favourited": favourited,
        "reblogged": reblogged,
        "muted": False,
        "bookmarked": False,
        "pinned": pinned,
        "content": _content(obj),
        "filtered": [],
        "reblog": None,
        "application": None,
        "account": account,
        "media_attachments": media_attachments or [],  # services/api/media_entities.py
        "mentions": _mentions(obj, mentioned or {}),
        "tags": _tags(obj, base_url),
        "emojis": [],
        "card": None,
        "poll": None,
    }
    community = _community(obj, mentioned or {}) if visibility == "direct" else None
    # A post to a community is "direct" to apps (addressed to the Group alone, FEP-1b12);
    # Archipel's own clients say which community instead of "only the people mentioned".
    return {**entity, "archipel": {"community": community}} if community else entity


def _community(obj: dict, accounts: dict[str, dict]) -> dict | None:
    for uri in mention_uris(obj):
        entity = accounts.get(uri)
        if entity is not None and entity.get("group"):
            return {"id": entity["id"], "acct": entity["acct"], "display_name": entity["display_name"]}
    return None


def with_source(entity: dict, obj: dict) -> dict:
    """A deleted status as Mastodon answers DELETE: with ``text`` (the source an app puts
    back in the composer to "delete and redraft")."""
    return {**entity, "text": plain_text(_content(obj))}
